"""Files written so that a reader (another worker, say) never sees half of one."""

import os
import tempfile
from pathlib import Path


def write_atomically(path, chunks, mode=0o600, replace=True, prefix=None):
    """Write the pieces (bytes) beside the file and give them its name once whole: a reader sees no
    file, the old one, or the whole new one, and a write that fails leaves nothing under the name.

    With `replace` false, a file that has the name already keeps it (FileExistsError). The part
    being written is `<prefix>*.part` (mkstemp's `tmp` by default): a process killed meanwhile
    leaves it behind.
    """
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as output:
            for chunk in chunks:
                output.write(chunk)
        os.chmod(temporary, mode)
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
