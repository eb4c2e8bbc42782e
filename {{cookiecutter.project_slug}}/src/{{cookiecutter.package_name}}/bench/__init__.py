"""`make bench`: ingest and query benchmarks at several corpus sizes, beside a LangChain
baseline. Entry point: ``bench.command.run``; each size runs in a child process (``bench.child``)
so its peak memory is its own."""
