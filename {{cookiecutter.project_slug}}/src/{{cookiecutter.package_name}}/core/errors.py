"""User-facing errors: each message is one line that says what to do next."""


class RagError(Exception):
    """An expected failure with a one-line, actionable message (no stack trace shown)."""


class DocsError(RagError):
    """The documents folder is missing, empty or unusable."""


class IndexMissingError(RagError):
    """No index has been built yet."""


class IndexIncompatibleError(RagError):
    """The index was built by another version, another embedder, or is damaged."""


class ModelUnavailableError(RagError):
    """A model cannot be found locally and downloads are not allowed."""


class ProviderError(RagError):
    """The LLM provider failed or is misconfigured."""
