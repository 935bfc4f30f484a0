"""A round's status is written by its moves alone: editing a round never writes one back."""

from __future__ import annotations

from collection.models import Round
from collection.rounds.lifecycle import MOVES, round_move, round_save, round_values


def test_editing_a_round_loaded_before_it_closed_keeps_it_closed(admin_user, open_round) -> None:
    stale = Round.objects.get(pk=open_round.pk)  # the edit form was opened while the round was open
    round_move(user=admin_user, round_=open_round, action="close")
    round_save(user=admin_user, round_=stale, **{**round_values(stale), "name": "Renamed round"})
    open_round.refresh_from_db()
    assert (open_round.name, open_round.status) == ("Renamed round", Round.Status.CLOSED)


def test_a_new_round_is_a_draft(admin_user, open_round) -> None:
    created = round_save(user=admin_user, **{**round_values(open_round), "name": "Next round"})
    created.refresh_from_db()
    assert created.status == Round.Status.DRAFT


def test_every_round_move_starts_from_and_leads_to_known_statuses() -> None:
    for move in MOVES.values():
        assert move.sources <= set(Round.Status.values) and move.target in Round.Status.values
        assert move.then is None  # a round's follow-up is the round_opened signal, not a worker task
