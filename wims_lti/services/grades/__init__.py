"""Grade passback: WIMS scores into the LMS gradebook through LTI AGS (see each module).

- `runs`: sync runs (schedule fan-out, "Sync now") and their progress;
- `sync`: one sync of one activity (one adm/raw call, only changed scores posted, ledger per score);
- `lineitems`: the activity's gradebook column (declared, found or created once);
- `ledger`: decisions on each score and strictly increasing timestamps;
- `roster`: NRPS learners once per run, WIMS accounts made ahead;
- `services`: the NRPS URL and AGS scopes a launch advertises.
"""

from .runs import grades_schedule_all, run_progress, sync_run_start
from .services import course_services_record
from .sync import RetryLater, activity_sync_execute, activity_sync_give_up

__all__ = [
    "RetryLater",
    "activity_sync_execute",
    "activity_sync_give_up",
    "course_services_record",
    "grades_schedule_all",
    "run_progress",
    "sync_run_start",
]
