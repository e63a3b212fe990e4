"""Helpers shared by the bench/ scripts."""
import platform


def cpu_name():
    """The CPU model from /proc/cpuinfo, for the machine line of a table."""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()
