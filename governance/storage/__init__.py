"""The crash-safe, multi-process storage engine under the store.

- ``files``: atomic file replacement (temp file, fsync, rename, fsync of the directory) and the
  permissions every file is created with.
- ``lock``: the inter-process reader/writer lock on the data directory.
- ``layout``: every store file's name, its tables and the shard layout.
- ``repositories`` (and ``whole_files``, ``audit_records``): the only code that reads or writes
  a table; the interface services use, described in :mod:`governance.store`.
- ``typed``: bulk reads decoded straight from a file's bytes into records (msgspec).
- ``database``: transactions over a directory of TinyDB files, made atomic across files by a
  redo journal, with a per-process cache that is checked against the files on every read.
"""
