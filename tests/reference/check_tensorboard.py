"""Reads the event files in DIR with TensorBoard's own EventAccumulator (purging orphaned
data, as TensorBoard does) and writes every scalar it finds to OUT as "tag<TAB>step<TAB>value"
lines (value as float32 written with repr), sorted by tag and step.
usage: check_tensorboard.py DIR OUT      exit 3 when tensorboard is not installed
"""
import sys

try:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
except Exception as e:
    print("missing tensorboard:", e)
    sys.exit(3)

directory, out = sys.argv[1], sys.argv[2]
acc = EventAccumulator(directory, purge_orphaned_data=True, size_guidance={"scalars": 0})
acc.Reload()
rows = []
for tag in acc.Tags().get("scalars", []):
    for e in acc.Scalars(tag):
        rows.append((tag, e.step, e.value))
rows.sort()
with open(out, "w") as f:
    for tag, step, value in rows:
        f.write("%s\t%d\t%r\n" % (tag, step, value))
print("%d scalars, tags %s" % (len(rows), sorted(acc.Tags().get("scalars", []))))
