"""The crash-safe, multi-process storage engine under the store.

- ``files``: atomic file replacement (temp file, fsync, rename, fsync of the directory) and the
  permissions every file is created with.
- ``lock``: the inter-process reader/writer lock on the data directory.
- ``database``: transactions over a directory of TinyDB files, made atomic across files by a
  redo journal, with a per-process cache that is checked against the files on every read.
"""
