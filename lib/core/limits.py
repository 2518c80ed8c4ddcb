"""Limits on what visitors may send: declared once, read by validation and by the messages
that name them."""

MAX_TEXT = 200  # characters: a key or value read from a link, a saved name
MAX_NOTE = 2000  # characters: a saved scenario's note
MAX_SCENARIO_BYTES = 256 * 1024  # one uploaded scenario file (a scenario is a few kB)
MAX_IMPORT_BYTES = 5 * 1024 * 1024  # one imported library file
MAX_UPLOAD_MB = 1  # the server's upload cap; .streamlit/config.toml server.maxUploadSize
MAX_ENTRIES = 300  # saved scenarios in a library (each rerun of its page sends the list)
MAX_DELETED = 300  # deleted scenarios kept for restoring; the oldest beyond it are purged
MAX_EVENTS = 20_000  # audit-log rows kept; the oldest beyond it are purged
MAX_SEARCH = 100  # characters: a search of the Assumptions page
