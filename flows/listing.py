"""List raw/: every report file in it, and a rejection for every name that cannot be one.

Nothing in raw/ is passed over in silence except hidden names (starting with "."). A file name
that is not UTF-8, a link that leaves raw/ (unless follow_links), a link loop, a dangling link, a
folder that cannot be listed and anything that is not a regular file (a FIFO, a socket, a device)
each get a rejection saying why and what to do. Files are opened without following a link
swapped in after the listing and without blocking on a FIFO (``open_report``).
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from flows.document import ReportError


class BadFileName(ReportError):
    check = "bad_file_name"


class LinkOutsideRaw(ReportError):
    check = "link_outside_raw"


class LinkLoop(ReportError):
    check = "link_loop"


class DanglingLink(ReportError):
    check = "dangling_link"


class FolderLink(ReportError):
    check = "folder_link"


class UnreadableFolder(ReportError):
    check = "unreadable_folder"


class NotAFile(ReportError):
    check = "not_a_file"


class RawDirError(Exception):
    """raw/ itself cannot be listed; the message says why and what to do."""


@dataclass(frozen=True)
class RawFile:
    """A report file found in raw/: its source_path and where to read it."""

    source_path: str
    path: Path
    is_link: bool = False


@dataclass
class Listing:
    files: list[RawFile] = field(default_factory=list)
    rejected: list[ReportError] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """Every name found in raw/, loadable or not, sorted."""
        return sorted([f.source_path for f in self.files] + [e.source_path for e in self.rejected])


def display_name(relative: str) -> str:
    """A path relative to raw/ as `source_path` stores it: bytes of a name that are not UTF-8
    shown escaped (``zz\\xff.txt``), so the name can be stored, printed and compared as text."""
    return os.fsencode(relative).decode("utf-8", "backslashreplace")


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "named pipe (FIFO)"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device")):
        if test(mode):
            return name
    return "special file"


def list_raw(raw_dir: Path, *, follow_links: bool = False) -> Listing:
    """Every report file under raw_dir (recursively) and every name that cannot be one, with why.

    Links to files inside raw_dir are read; links that leave it are rejected unless
    follow_links. Links to folders are followed only with follow_links (never into a folder
    they are inside of: that is a loop).
    """
    raw_dir = Path(raw_dir)
    try:
        top = os.stat(raw_dir)
    except OSError as err:
        raise RawDirError(f"{raw_dir}: cannot open the folder ({err.strerror})") from None
    root = os.path.realpath(raw_dir)
    listing = Listing()
    _walk(raw_dir, "", root, follow_links, frozenset({(top.st_dev, top.st_ino)}), listing)
    listing.files.sort(key=lambda f: f.source_path)
    listing.rejected.sort(key=lambda e: e.source_path)
    return listing


def _walk(directory: Path, prefix: str, root: str, follow_links: bool, ancestors: frozenset,
          out: Listing) -> None:
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as err:
        if not prefix:
            raise RawDirError(f"{directory}: cannot list the folder ({err.strerror}); check its permissions") from None
        out.rejected.append(UnreadableFolder(
            display_name(prefix), f"cannot list this folder ({err.strerror}), so its files are not loaded; "
                                  "give it read and execute permission (chmod u+rx) or move it out of raw/"))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        relative = prefix + entry.name
        name = display_name(relative)
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            if name != relative:
                what = "folder" if is_dir else "file"
                out.rejected.append(BadFileName(
                    name + ("/" if is_dir else ""),
                    f"the {what} name is not valid UTF-8 (its odd bytes are shown escaped); "
                    f"rename the {what} to a UTF-8 name"))
            elif entry.is_symlink():
                _link(Path(entry.path), relative, root, follow_links, ancestors, out)
            elif is_dir:
                st = entry.stat(follow_symlinks=False)
                _walk(Path(entry.path), relative + "/", root, follow_links,
                      ancestors | {(st.st_dev, st.st_ino)}, out)
            elif entry.is_file(follow_symlinks=False):
                out.files.append(RawFile(relative, Path(entry.path)))
            else:
                kind = _kind(entry.stat(follow_symlinks=False).st_mode)
                out.rejected.append(NotAFile(name, f"a {kind}, not a regular file; remove it from raw/"))
        except OSError as err:
            out.rejected.append(ReportError(name, f"cannot inspect it ({err.strerror}); check its permissions"))


def _link(path: Path, relative: str, root: str, follow_links: bool, ancestors: frozenset,
          out: Listing) -> None:
    target = os.readlink(path)
    try:
        st = os.stat(path)
    except OSError as err:
        if err.errno == errno.ELOOP:
            out.rejected.append(LinkLoop(relative, f"a link that loops (-> {target}); remove or fix the link"))
        elif err.errno in (errno.ENOENT, errno.ENOTDIR):
            out.rejected.append(DanglingLink(relative, f"a link to {target}, which does not exist; remove or fix the link"))
        else:
            out.rejected.append(ReportError(relative, f"cannot follow the link to {target} ({err.strerror})"))
        return
    real = os.path.realpath(path)
    inside = real == root or real.startswith(root.rstrip(os.sep) + os.sep)
    if not inside and not follow_links:
        out.rejected.append(LinkOutsideRaw(
            relative, f"a link to {display_name(real)}, outside raw/; links that leave raw/ are not followed "
                      "(copy the file into raw/, or pass --follow-links to follow them)"))
        return
    if stat.S_ISDIR(st.st_mode):
        if (st.st_dev, st.st_ino) in ancestors:
            out.rejected.append(LinkLoop(
                relative, f"a link to {target}, a folder it lies in: following it would loop; remove the link"))
        elif not follow_links:
            out.rejected.append(FolderLink(
                relative, f"a link to the folder {target} inside raw/, whose files are loaded from there; "
                          "links to folders are not followed (pass --follow-links to follow them)"))
        else:
            _walk(path, relative + "/", root, follow_links, ancestors | {(st.st_dev, st.st_ino)}, out)
    elif stat.S_ISREG(st.st_mode):
        out.files.append(RawFile(relative, Path(real), is_link=True))
    else:
        out.rejected.append(NotAFile(relative, f"a link to a {_kind(st.st_mode)}, not a regular file; remove it from raw/"))


def open_report(raw_file: RawFile) -> BinaryIO:
    """raw_file opened for reading: a regular file, or NotAFile. A link put in place of a file
    after the listing is not followed, and a FIFO does not block."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not raw_file.is_link:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(raw_file.path, flags)
    except OSError as err:
        if err.errno == errno.ELOOP:  # O_NOFOLLOW met a link swapped in since the listing
            raise NotAFile(raw_file.source_path, "replaced by a link while raw/ was read; run again") from None
        raise
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise NotAFile(raw_file.source_path, f"a {_kind(mode)}, not a regular file; remove it from raw/")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")
