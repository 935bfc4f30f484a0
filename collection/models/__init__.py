"""The collection's models, one module per stage of a submission's life."""

from .accounts import Invitation, NotificationPreference, Profile, ReminderSent, Role
from .audit import AuditAction, AuditEntry
from .catalogue import Code, CodeList, Country, ObservationStatus, SourceType, TableDefinition, TableDimension
from .layout import KEY_COLUMNS, LAYOUT_COLUMNS, VALUE_COLUMNS, value_exact
from .publication import Observation, Release
from .review import ReviewComment, WarningExplanation
from .rounds import DraftTable, Round, RoundCountry
from .rules import RuleKind, Severity, ValidationRule
from .submissions import DataSource, Review, StagedObservation, Submission, SubmissionEvent, ValidationIssue

__all__ = [
    "AuditAction",
    "AuditEntry",
    "Invitation",
    "NotificationPreference",
    "ReminderSent",
    "RoundCountry",
    "KEY_COLUMNS",
    "LAYOUT_COLUMNS",
    "VALUE_COLUMNS",
    "value_exact",
    "Code",
    "CodeList",
    "Country",
    "DataSource",
    "DraftTable",
    "Observation",
    "ObservationStatus",
    "Profile",
    "Release",
    "Review",
    "ReviewComment",
    "Role",
    "Round",
    "RuleKind",
    "Severity",
    "SourceType",
    "StagedObservation",
    "Submission",
    "SubmissionEvent",
    "TableDefinition",
    "TableDimension",
    "ValidationIssue",
    "ValidationRule",
    "WarningExplanation",
]
