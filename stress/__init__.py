"""Robustness runs against the local gateway: a fuzzer and a load generator.

Both drive the gateway as `make run` starts it (`python -m local_gateway`, in a process
tree of its own, so its memory can be measured apart from the clients; see
`tools.child_server`, which the benchmark uses too) over real sockets on 127.0.0.1.
`make fuzz` and `make load` run the full sizes; the tests in tests/gateway/stress run
them (the load scaled down) and assert the same properties.
"""
