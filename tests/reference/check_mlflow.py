"""Reads an MLflow file store written by accmt with MLflow's own client and checks that
EXPERIMENT has one FINISHED run whose metric TAG has steps 1..N once each, and that the
run's parameters include optim.type.
usage: check_mlflow.py MLRUNS_DIR EXPERIMENT TAG N      exit 3 when mlflow is missing
"""
import os
import sys

os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
try:
    from mlflow.tracking import MlflowClient
except Exception as e:
    print("missing mlflow:", e)
    sys.exit(3)

store, experiment, tag, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
client = MlflowClient(tracking_uri="file:" + os.path.abspath(store))
exp = client.get_experiment_by_name(experiment)
assert exp is not None, "no experiment named %r" % experiment
runs = client.search_runs([exp.experiment_id])
assert len(runs) == 1, "expected one run, found %d" % len(runs)
run = runs[0]
print("run", run.info.run_id, run.info.status, "params:", sorted(run.data.params)[:5])
assert run.info.status == "FINISHED", run.info.status
assert run.data.params.get("optim.type") == "SGD", run.data.params
steps = sorted(m.step for m in client.get_metric_history(run.info.run_id, tag))
print("steps:", steps)
assert steps == list(range(1, n + 1)), "expected steps 1..%d once each" % n
