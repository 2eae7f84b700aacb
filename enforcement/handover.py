"""The enforcement end of the grids hand-over: a grid event that is a violation becomes a lead.

grids keeps the hand-over record (grids.models.EventHandover, with `target_*` naming our lead) and calls the
receiver registered here after the hand-over commits; `Lead.grid_event` links the lead back to its event.
A hand-over made while no receiver was registered stays pending; `receive_pending_grid_handovers` (run by the
daily task) picks those up, and may run any number of times.
"""

from enforcement import services

KIND = "enforcement"  # grids.models.Handover.ENFORCEMENT


def receive_grid_event(event, handover):
    lead, _created = services.lead_from_grid_event(event=event, note=handover.note)
    return ("enforcement", "lead", lead.pk)


def register():
    from grids.services import register_handover_receiver

    register_handover_receiver(KIND)(receive_grid_event)


def receive_pending_grid_handovers() -> int:
    """Deliver hand-overs that are still pending (made before the receiver was registered, or failed)."""
    from grids.models import EventHandover
    from grids.services import deliver_handover

    pending = EventHandover.objects.filter(kind=KIND, status=EventHandover.Status.PENDING).values_list("pk", flat=True)
    return sum(1 for pk in list(pending) if deliver_handover(pk))
