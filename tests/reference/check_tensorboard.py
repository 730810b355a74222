"""Reads the event files in DIR with TensorBoard's own EventAccumulator and checks that
TAG has exactly N scalar events with steps 1..N (duplicates purged after a resume).
usage: check_tensorboard.py DIR TAG N      exit 3 when tensorboard is not installed
"""
import sys

try:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
except Exception as e:
    print("missing tensorboard:", e)
    sys.exit(3)

directory, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
acc = EventAccumulator(directory, purge_orphaned_data=True)
acc.Reload()
events = acc.Scalars(tag)
steps = [e.step for e in events]
print("steps:", steps)
if sorted(steps) != list(range(1, n + 1)):
    print("expected steps 1..%d once each" % n)
    sys.exit(1)
print("tags:", acc.Tags().get("scalars"))
