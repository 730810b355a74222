"""Reads an MLflow file store written by accmt with MLflow's own client: EXPERIMENT must
have one FINISHED run with the parameter optim.type; every metric's history is written to
OUT as "key<TAB>step<TAB>value" lines (value with repr), sorted by key and step.
usage: check_mlflow.py MLRUNS_DIR EXPERIMENT OUT      exit 3 when mlflow is missing
"""
import os
import sys

os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
try:
    from mlflow.tracking import MlflowClient
except Exception as e:
    print("missing mlflow:", e)
    sys.exit(3)

store, experiment, out = sys.argv[1], sys.argv[2], sys.argv[3]
client = MlflowClient(tracking_uri="file:" + os.path.abspath(store))
exp = client.get_experiment_by_name(experiment)
assert exp is not None, "no experiment named %r" % experiment
runs = client.search_runs([exp.experiment_id])
assert len(runs) == 1, "expected one run, found %d" % len(runs)
run = runs[0]
assert run.info.status == "FINISHED", run.info.status
assert run.data.params.get("optim.type") == "SGD", run.data.params
rows = []
for key in run.data.metrics:
    for m in client.get_metric_history(run.info.run_id, key):
        rows.append((key, m.step, m.value))
rows.sort()
with open(out, "w") as f:
    for key, step, value in rows:
        f.write("%s\t%d\t%r\n" % (key, step, value))
print("run %s: %d metric values" % (run.info.run_id, len(rows)))
