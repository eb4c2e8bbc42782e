"""`make bench`: ingest and query benchmarks at several corpus sizes, beside a LangChain baseline."""
