"""Every listening socket of the embedded stack is on loopback, read from the kernel's socket tables
(/proc/net/tcp, tcp6, udp, udp6) and mapped to the stack's process tree: the supervisor (localcloud,
the console), osmem-server, PostgreSQL and the Lambda workers. Spark's listeners are covered where
sessions are built (spark_jobs/session.py binds them to 127.0.0.1).
"""

from __future__ import annotations

import json

import pytest

from sandbox.aws import client
from tests.reliability import procs

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def test_every_listener_of_the_stack_and_its_lambda_workers_is_on_loopback(reliability_stack):
    settings = reliability_stack
    # a warm worker for each function: invoking them spawns the execution environments
    lam = client("lambda", settings)
    for name in (settings.names.orders_function, settings.names.weblogs_function):
        lam.invoke(FunctionName=name, Payload=json.dumps({"Records": [], "records": []}).encode())
    tree = procs.stack_tree(settings)
    workers = {pid for name in (settings.names.orders_function, settings.names.weblogs_function)
               for pid in procs.lambda_workers(settings, name)}
    assert workers and workers <= tree, "the Lambda workers must be part of the inspected tree"
    assert procs.postmaster(settings) in tree

    found = procs.listeners(tree)
    ports = {listener.port for listener in found}
    assert set(settings.ports.as_dict().values()) <= ports, f"the stack's own ports are missing from {found}"
    exposed = [listener for listener in found if not listener.loopback]
    assert not exposed, f"listeners not bound to loopback: {exposed}"


def test_the_socket_table_reader_sees_a_wildcard_listener():
    """The check above could pass vacuously if the reader missed sockets: a 0.0.0.0 one is caught."""
    import os
    import socket

    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
        sock.listen()
        (mine,) = [entry for entry in procs.listeners({os.getpid()}) if entry.port == sock.getsockname()[1]]
        assert not mine.loopback and mine.address == "0.0.0.0"
    with socket.socket(socket.AF_INET6) as sock:
        sock.bind(("::1", 0))
        sock.listen()
        (mine,) = [entry for entry in procs.listeners({os.getpid()}) if entry.port == sock.getsockname()[1]]
        assert mine.loopback and mine.protocol == "tcp6"
