"""Files written so that a reader (another worker, say) never sees half of one."""

import os
import tempfile
from pathlib import Path


def write_atomically(path, data, mode=0o600):
    """Write beside the file and rename: a reader sees no file, the old one, or the whole new one.

    The part being written ends in `.part`: a process killed meanwhile leaves one behind.
    """
    handle, temporary = tempfile.mkstemp(dir=Path(path).parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as output:
            output.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
