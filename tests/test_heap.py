"""newsmon.heap: memory a process freed goes back to the system."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FREE_THEN_RELEASE = """
import sys
from newsmon.heap import release_freed_memory

def rss_mb():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) // 1024

chunks = [bytes(2000) for _ in range(50_000)]   # 100 MB in blocks malloc keeps when freed
pin = bytes(2000)                               # allocated last: the heap cannot shrink from its top
del chunks
freed = rss_mb()
released = release_freed_memory()
print(freed, rss_mb(), released)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists() or sys.platform != "linux", reason="glibc and /proc")
def test_freed_blocks_leave_the_process_rss():
    out = subprocess.run([sys.executable, "-c", FREE_THEN_RELEASE], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.split()
    freed, after, released = int(out[0]), int(out[1]), out[2]
    assert released == "True"
    assert freed > 90           # freed, but still the process's
    assert after < freed - 60   # handed back
