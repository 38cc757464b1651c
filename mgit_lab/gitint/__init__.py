"""Checkpoints in an ordinary git repository: git keeps a pointer, ``.mgit`` the tensors.

- :mod:`.install`: ``mgit git install`` (git config) and ``mgit track`` (.gitattributes)
- :mod:`.filter_process`: git's long-running clean/smudge filter protocol over
  :mod:`.pktline`; :mod:`.checkpoints` does the clean and smudge of one file
- :mod:`.pointer`: the pointer text and content sniffing
- :mod:`.diff_driver`, :mod:`.merge_driver`: ``git diff`` / ``git merge`` of checkpoints
- :mod:`.check`: ``mgit git check`` and ``mgit git checkout``
- :mod:`.push_hook`: the pre-push hook sending the objects pushed commits need
"""
