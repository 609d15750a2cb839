"""The benchmark's own function code, served with `--source-dir bench/handlers_src`."""
