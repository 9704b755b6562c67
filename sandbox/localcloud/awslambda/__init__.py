"""Lambda: Python handlers run in warm worker processes (the package is not named `lambda`, a keyword).

- extension.py: the entry LocalCloud installs (name ``lambda``), the runtime's invoker;
- hooks.py: its hooks into moto: ``LambdaFunction.invoke``, the answers moto forms, the routes it lacks;
- executor.py: Invoke semantics (RequestResponse, Event, DryRun), the run of one invocation;
- pool.py: warm workers per function version, reuse, idle reaping;
- process.py: one worker process and its pipes; lambda_worker.py: the script it runs (stdlib only;
  the name shows in process lists);
- logs.py: START/END/REPORT lines to CloudWatch Logs; async_queue.py: Event invocations, retries,
  destinations; config.py: the function configuration and outcome the others share;
- answers.py: a function's configuration in AWS's form; account.py: GetAccountSettings and
  GetLayerVersionByArn; provisioned.py: provisioned concurrency configurations; credentials.py:
  an execution environment's credentials (its role, assumed).
"""
