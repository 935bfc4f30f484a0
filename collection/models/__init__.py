"""The collection's models, one module per stage of a submission's life."""

from collection.models.accounts import Invitation, NotificationPreference, Profile, ReminderSent, Role
from collection.models.audit import AuditAction, AuditEntry
from collection.models.catalogue import (
    Code,
    CodeList,
    Country,
    ObservationStatus,
    Region,
    SourceType,
    TableDefinition,
    TableDimension,
)
from collection.models.layout import DIMENSIONS, KEY_COLUMNS, LAYOUT_COLUMNS, VALUE_COLUMNS, value_exact
from collection.models.leases import Lease
from collection.models.publication import Observation, Publication, UnchangedValue
from collection.models.releases import Release
from collection.models.review import ReviewComment, WarningExplanation
from collection.models.rounds import DraftTable, Round, RoundCountry
from collection.models.rules import RuleKind, Severity, ValidationRule
from collection.models.submissions import (
    DataSource,
    Review,
    StagedObservation,
    Submission,
    SubmissionEvent,
    ValidationIssue,
)

__all__ = [
    "AuditAction",
    "AuditEntry",
    "Invitation",
    "NotificationPreference",
    "ReminderSent",
    "RoundCountry",
    "DIMENSIONS",
    "KEY_COLUMNS",
    "LAYOUT_COLUMNS",
    "VALUE_COLUMNS",
    "value_exact",
    "Lease",
    "Code",
    "CodeList",
    "Country",
    "DataSource",
    "DraftTable",
    "Observation",
    "ObservationStatus",
    "Profile",
    "Publication",
    "Region",
    "Release",
    "Review",
    "ReviewComment",
    "Role",
    "Round",
    "RuleKind",
    "Severity",
    "SourceType",
    "StagedObservation",
    "UnchangedValue",
    "Submission",
    "SubmissionEvent",
    "TableDefinition",
    "TableDimension",
    "ValidationIssue",
    "ValidationRule",
    "WarningExplanation",
]
