# goldenfiles.py: reading and rewriting golden files, for the scripts that check or
# regenerate them (capsgoldens.py, oracle-goldens.py).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os


def read(path):
    """The text of @path, or None when there is no such file."""
    try:
        with open(path, encoding='utf-8') as f:
            return f.read()
    except FileNotFoundError:
        return None


def write(path, text):
    """Replace @path with @text at once: a reader never sees it half written."""
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(tmp, path)
