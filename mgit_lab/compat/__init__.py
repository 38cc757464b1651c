"""Compatibility layers: other tools' APIs over mgit-lab (``mgit_lab.compat.mgit``)."""
