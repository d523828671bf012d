"""The outputs of bench/peers: the table of weir's figure over each peer's (< 1: weir is faster, or
uses less memory), the same as Markdown, the JSON of all figures, and a plot of the ratios."""
import json
import subprocess
import sys

PEER_ORDER = ["mlx", "torch", "cupy", "numpy"]


def ratios(results):
    """{case: {peer: weir value / peer value}} for the cases where weir and the peer both ran."""
    out = {}
    for case, r in results.items():
        w = r["peers"].get("weir", {}).get("value")
        if not w:
            continue
        row = {}
        for peer, v in r["peers"].items():
            if peer != "weir" and v.get("value"):
                row[peer] = w / v["value"]
        out[case] = row
    return out


def fmt(v):
    if v is None:
        return "-"
    a = abs(v)
    return f"{v:.3g}" if a < 1000 else f"{v:.0f}"


def table_rows(results, peers):
    rat = ratios(results)
    for case, r in results.items():
        w = r["peers"].get("weir", {})
        cells = []
        for p in peers:
            if p in rat.get(case, {}):
                cells.append(f"{rat[case][p]:.2f}")
            elif "error" in r["peers"].get(p, {}):
                cells.append("err")
            else:
                cells.append("-")
        weir = f"{fmt(w['value'])} {r['unit']}" if "value" in w else ("err" if "error" in w else "-")
        yield case, weir, cells


def present_peers(results):
    seen = {p for r in results.values() for p in r["peers"]}
    return [p for p in PEER_ORDER if p in seen]


def print_table(results):
    peers = present_peers(results)
    rows = list(table_rows(results, peers))
    wc = max([len("scenario")] + [len(c) for c, _, _ in rows])
    ww = max([len("weir")] + [len(w) for _, w, _ in rows])
    print()
    print("weir's figure / each peer's figure (< 1: weir is faster or uses less memory)")
    print(f"{'scenario':<{wc}}  {'weir':>{ww}}  " + "  ".join(f"{p:>6}" for p in peers))
    print("-" * (wc + ww + 4 + 8 * len(peers)))
    for case, weir, cells in rows:
        print(f"{case:<{wc}}  {weir:>{ww}}  " + "  ".join(f"{c:>6}" for c in cells))
    print()


def markdown(results):
    peers = present_peers(results)
    lines = ["| scenario | weir | " + " | ".join(f"weir / {p}" for p in peers) + " |",
             "| --- | --- |" + " --- |" * len(peers)]
    for case, weir, cells in table_rows(results, peers):
        lines.append(f"| {case} | {weir} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_json(path, doc):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, sort_keys=False)


def import_matplotlib(install):
    try:
        import matplotlib
    except ImportError:
        if not install:
            return None
        print("plot: matplotlib is missing; trying pip install --user matplotlib", file=sys.stderr)
        cmd = [sys.executable, "-m", "pip", "install", "-q", "matplotlib"]
        if sys.prefix == getattr(sys, "base_prefix", sys.prefix):  # not in a venv
            cmd.insert(4, "--user")
        try:
            subprocess.run(cmd, check=True, timeout=300)
            import site
            import importlib

            importlib.invalidate_caches()
            if site.ENABLE_USER_SITE and site.getusersitepackages() not in sys.path:
                sys.path.append(site.getusersitepackages())
            import matplotlib
        except Exception as e:
            print(f"plot: could not install matplotlib ({e})", file=sys.stderr)
            return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot(path, results, title, install=True):
    """Horizontal bars, one group per case, one bar per peer: weir / peer on a log axis."""
    plt = import_matplotlib(install)
    if plt is None:
        print("plot: skipped, matplotlib is not installed (pip install matplotlib)")
        return False
    rat = ratios(results)
    cases = [c for c in results if rat.get(c)]
    peers = present_peers(results)
    colors = {"mlx": "#1f77b4", "torch": "#d62728", "cupy": "#2ca02c", "numpy": "#9467bd"}
    bar = 0.8 / max(1, len(peers))
    fig, ax = plt.subplots(figsize=(11, 1.2 + 0.42 * len(cases) * max(1, len(peers)) ** 0.5))
    vals = [v for c in cases for v in rat[c].values()]
    for j, p in enumerate(peers):
        ys = [i + (j - (len(peers) - 1) / 2) * bar for i, c in enumerate(cases) if p in rat[c]]
        xs = [rat[c][p] for c in cases if p in rat[c]]
        # bars grow from 1: to the left where weir is faster, to the right where it is slower
        ax.barh(ys, [x - 1 for x in xs], height=bar, color=colors.get(p), label=f"weir / {p}", left=1)
    ax.set_xscale("log")
    lo = min(vals + [0.5]) / 1.5
    hi = max(vals + [2.0]) * 1.5
    ax.set_xlim(lo, hi)
    ax.axvline(1.0, color="black", lw=1)
    ax.set_yticks(range(len(cases)))
    ax.set_yticklabels(cases, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("weir's figure / peer's figure (log scale; < 1: weir is faster or uses less memory)")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ticks = [t for t in (0.01, 0.03, 0.1, 0.3, 0.5, 1, 2, 3, 10, 30, 100) if lo <= t <= hi]
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main_table(path):
    """python3 -m report FILE.json: print the table of a saved run again."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    print_table(doc["results"])


if __name__ == "__main__":
    main_table(sys.argv[1])
