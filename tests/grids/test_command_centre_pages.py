"""The command centre's open events, paged across grids: every open event once, in (grid, state, number) order."""

from grids import selectors, services
from grids.models import Event
from tests.grids.factories import square


def test_pages_across_several_grids_list_every_open_event_once_in_order(operator, report, home_village, grid):
    second = services.create_grid(division=home_village, name="长沙村第二网格", boundary=square(121.19, 32.31))
    third = services.create_grid(division=home_village, name="长沙村第三网格", boundary=square(121.20, 32.31))
    points = [(121.185, 32.315), (121.195, 32.315), (121.205, 32.315)]
    # Five in the first grid, so the second page reads past the first grid's first page of rows.
    spread = [0, 0, 0, 0, 0, 1, 1, 2]
    made = [report(point=points[where], description=f"事件{index}") for index, where in enumerate(spread)]
    assert [event.grid_id for event in made] == [[grid.pk, second.pk, third.pk][where] for where in spread]
    closed = made[5]
    Event.objects.filter(pk=closed.pk).update(status="closed")

    pages, number = [], 1
    while True:
        centre = selectors.command_centre(operator, page=number, per_page=3)
        pages.append([row["id"] for row in centre["events"]])
        if not centre["events_page"].has_next():
            break
        number += 1
    listed = [pk for page in pages for pk in page]
    expected = list(
        Event.objects.filter(status__in=selectors.OPEN_STATUSES)
        .order_by("grid__code", "status", "id")
        .values_list("id", flat=True)
    )
    assert listed == expected and len(listed) == 7 and closed.pk not in listed
    assert [len(page) for page in pages] == [3, 3, 1]
    assert centre["events_page"].paginator.count == 7
