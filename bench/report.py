"""bench/results.md: the results of bench/run.py as tables."""

VARIANT_NAMES = {"api": "API", "floor": "floor", "naive": "naive"}


def _number(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def _ratio(value) -> str:
    return "—" if value is None else f"{value:.2f}×"


def _met(met) -> str:
    return {True: "yes", False: "**no**", None: "missing"}[met]


def _loads(loads) -> str:
    return " / ".join(f"{load:.2f}" for load in loads) if loads else "?"


def _targets_by_scenario(targets: list[dict]) -> dict[str, list[dict]]:
    by_scenario: dict[str, list[dict]] = {}
    for target in targets:
        by_scenario.setdefault(target["scenario"], []).append(target)
    return by_scenario


def _in_process_table(results: dict) -> list[str]:
    targets = _targets_by_scenario(results["targets"])
    lines = [
        "| scenario | variant | median ms | p95 ms | req/s | queries/request | ×floor | ×naive "
        "| target | met? |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for name, scenario in results["in_process"].items():
        for variant, result in scenario["variants"].items():
            applicable = targets.get(name, []) if variant == "api" else []
            label = scenario["title"] if variant == "api" else ""
            lines.append(
                f"| {label} | {VARIANT_NAMES[variant]} | {_number(result['median_ms'], 2)} "
                f"| {_number(result['p95_ms'], 2)} | {_number(result['req_per_s'])} "
                f"| {result['queries']} | {_ratio(result['x_floor'])} "
                f"| {_ratio(result['x_naive'])} "
                f"| {'; '.join(t['target'] for t in applicable) or '—'} "
                f"| {', '.join(_met(t['met']) for t in applicable) or '—'} |"
            )
    return lines


def _http_table(http: dict) -> list[str]:
    lines = [
        "| scenario | variant | median ms | p95 ms | p99 ms | req/s | ×floor | ×naive | non-2xx |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for scenario in http["scenarios"].values():
        for variant, result in scenario["variants"].items():
            label = scenario["title"] if variant == "api" else ""
            if result["connections"] != http["workers"] or not result["requests"]:
                label += (
                    f" ({result['requests']} answers, {result['connections']} connection(s), "
                    f"{result['seconds']} s)"
                )
            lines.append(
                f"| {label} | {VARIANT_NAMES[variant]} | {_number(result['median_ms'], 2)} "
                f"| {_number(result['p95_ms'], 2)} | {_number(result['p99_ms'], 2)} "
                f"| {_number(result['req_per_s'])} | {_ratio(result['x_floor'])} "
                f"| {_ratio(result['x_naive'])} | {result['non_2xx'] + result['socket_errors']} |"
            )
    return lines


def markdown(results: dict) -> str:
    meta = results["meta"]
    data = ", ".join(f"{count:,} {name}" for name, count in meta["dataset"].items())
    preparation = meta["preparation"]
    generated = (
        f"generated in {preparation['generate_seconds']} s"
        if preparation["generated"]
        else "already there"
    )
    lines = [
        f"# Benchmark results: {meta['database'].split()[0]}, {meta['size']} dataset",
        "",
        f"Written by `python -m bench.run` on {meta['date']} (commit {meta['commit'] or '?'}), "
        f"in {meta['duration_seconds']} s. bench/README.md says how to read this.",
        "",
        f"- Machine: {meta['cpus']} CPUs ({meta['cpu_model'] or 'unknown model'}), "
        f"{meta['platform']}",
        f"- Python {meta['python']}, Django {meta['django']}, "
        f"DRF {meta['djangorestframework']}, {meta['database']}",
        f"- Data: {data} ({generated})",
        f"- Settings: {meta['settings']}",
        f"- Load average (1, 5, 15 min) before: {_loads(meta.get('load_average_before'))}, "
        f"after: {_loads(meta.get('load_average_after'))} (other work on the machine shows "
        "here; the ratios, measured round-robin, suffer least from it)",
        "",
        "## In-process (Django test client, one thread)",
        "",
        f"Each scenario's URLs requested in turn, round-robin, up to {meta['requests_per_url']} "
        "times each (fewer for the slowest: at least 10), after 3 untimed rounds. ×floor and "
        "×naive: the median divided by the baseline's median (×naive 0.20 = 5× faster than "
        "naive). req/s: one thread, 1 / mean latency.",
        "",
        *_in_process_table(results),
        "",
        "Scenarios' parameters (picked from the data):",
        "",
    ]
    for scenario in results["in_process"].values():
        lines.append(f"- {scenario['title']}: {scenario['detail']}")
    lines += ["", "The floor answers the same JSON as the API (checked on every run):", ""]
    for scenario in results["in_process"].values():
        check = scenario["floor_check"]
        if check is not None:
            verdict = "same JSON" if check["equal"] else f"**differs**: {check['difference']}"
            lines.append(f"- {scenario['title']}: {verdict}")

    lines += [
        "",
        "### Queries per request",
        "",
        "| scenario | queries |",
        "| --- | --- |",
    ]
    for name, counts in results["query_counts"].items():
        shown = ", ".join(f"{label}: {count}" for label, count in counts.items())
        lines.append(f"| {results['in_process'][name]['title']} | {shown} |")

    deep = results["deep_pages"]
    lines += [
        "",
        f"### Deep pages (positions, pages of {deep['page_size']}, {deep['positions']:,} in all)",
        "",
        "| page | median ms | p95 ms | queries/request |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, result in deep["results"].items():
        lines.append(
            f"| {name} | {_number(result['median_ms'], 2)} | {_number(result['p95_ms'], 2)} | — |"
        )
    lines += ["", f"Cursor pagination: {deep['cursor_note']}.", ""]

    lines += [
        "## Targets",
        "",
        "| scenario | target | measured | met? |",
        "| --- | --- | --- | --- |",
    ]
    for target in results["targets"]:
        lines.append(
            f"| {target['scenario']} | {target['target']} | {target['measured']} "
            f"| {_met(target['met'])} |"
        )
    lines.append("")

    http = results.get("http")
    if http is not None:
        lines += ["## Over HTTP", ""]
        if "skipped" in http:
            lines += [f"**Skipped**: {http['skipped']}", ""]
        else:
            lines += [
                f"{http['server']}; {http['load']}. Latency percentiles and req/s from wrk "
                "(all workers); queries per request as in-process.",
                "",
                *(f"**Warning**: {warning}." for warning in http.get("warnings", [])),
                *([""] if http.get("warnings") else []),
                *_http_table(http),
                "",
            ]
    else:
        lines += ["## Over HTTP", "", "Not measured in this run (`--http`).", ""]
    return "\n".join(lines)
