"""An artifact's report.json (and pareto.json with --pareto) as objects."""
import json
import os

from .errors import QuantcError


class _Record:
    """A JSON object whose keys read as attributes (`layer.sqnr_db`)."""

    def __init__(self, fields):
        self.__dict__.update(fields)

    def __repr__(self):
        shown = sorted(self.__dict__.items(), key=lambda item: item[0] != "name")[:4]
        return "%s(%s)" % (type(self).__name__, ", ".join("%s=%r" % item for item in shown))


class Layer(_Record):
    pass


class ParetoPoint(_Record):
    pass


class Report(_Record):
    """`Report(out_dir)` or `Report("report.json")`. Top-level fields become
    attributes, `layers` a list of `Layer`, and `pareto` the list of
    `ParetoPoint` of a `--pareto` compile (empty without one)."""

    def __init__(self, path):
        path = os.fspath(path)
        directory = path if os.path.isdir(path) else os.path.dirname(path)
        report_path = os.path.join(path, "report.json") if os.path.isdir(path) else path
        try:
            with open(report_path) as f:
                fields = json.load(f)
        except (OSError, ValueError) as error:
            raise QuantcError("%s: cannot read the report: %s" % (report_path, error)) from None
        super().__init__(fields)
        self.path = report_path
        self.layers = [Layer(layer) for layer in fields.get("layers", [])]
        self.pareto = []
        pareto_path = os.path.join(directory, "pareto.json")
        if os.path.exists(pareto_path):
            with open(pareto_path) as f:
                self.pareto = [ParetoPoint(p) for p in json.load(f).get("points", [])]

    def plot_pareto(self, path=None, ax=None):
        """Measured output SQNR against average bits, the integer program's
        points beside uniform widths. Saves to `path` when given; returns the
        matplotlib Axes. Needs matplotlib and a `--pareto` compile."""
        if not self.pareto:
            raise QuantcError("%s: no Pareto sweep (compile with pareto=True)" % self.path)
        try:
            import matplotlib
            if ax is None and path is not None:
                matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError("Report.plot_pareto needs matplotlib "
                              "(pip install matplotlib, or apt-get install python3-matplotlib)") from None
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        for kind, style in (("ilp", "o-"), ("uniform", "s--")):
            points = sorted((p.avg_bits, p.measured_sqnr_db) for p in self.pareto if p.kind == kind)
            if points:
                ax.plot(*zip(*points), style, label="allocated" if kind == "ilp" else "uniform")
        ax.set_xlabel("average weight bits")
        ax.set_ylabel("output SQNR (dB)")
        ax.grid(True, alpha=0.3)
        ax.legend()
        if path is not None:
            ax.figure.savefig(path, dpi=100, bbox_inches="tight")
        return ax
