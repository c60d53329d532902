"""What `newsmon status` shows of the cluster: crawlers alive, runs announced, items waiting, ingest."""

from __future__ import annotations

from newsmon.cluster.runs import RunKeys, announced, crawlers, live_procs
from newsmon.cluster.wire import key


def cluster_state(server, instance: str) -> dict:
    """The cluster as one database sees it (JSON-ready)."""
    owner = server.get(key(instance, "ingest", "owner"))
    runs = []
    for info in announced(server).values():
        if info.get("instance") != instance:
            continue
        keys = RunKeys(instance, info["run_id"])
        runs.append({"source_id": info["source"], "run_id": info["run_id"],
                     "processes": len(live_procs(server, keys, grace=0)),
                     "queued_requests": server.zcard(keys.requests)})
    up = crawlers(server)
    return {
        "instance": instance,
        "crawlers": [{"name": name, "processes": info.get("processes"), "running": info.get("running")}
                     for name, info in sorted(up.items())],
        "runs": sorted(runs, key=lambda r: r["source_id"]),
        "items_waiting": server.llen(key(instance, "items")),
        "items_in_ingest": server.llen(key(instance, "items", "processing")),
        "ingest": owner.decode().rsplit(":", 1)[0] if owner else None,
    }


def cluster_lines(state: dict) -> list[str]:
    """``cluster_state`` as the lines under `newsmon status`'s table."""
    crawlers_up = state["crawlers"]
    lines = [f"cluster (database instance {state['instance']}):"]
    if crawlers_up:
        busy = sum(c.get("running") or 0 for c in crawlers_up)
        slots = sum(c.get("processes") or 0 for c in crawlers_up)
        lines.append(f"  crawlers alive: {len(crawlers_up)} ({busy} of {slots} crawl processes busy): "
                     + ", ".join(c["name"] for c in crawlers_up))
    else:
        lines.append("  crawlers alive: none (start `newsmon crawler` on a crawler machine; runs fail "
                     "with no_crawlers meanwhile)")
    for run in state["runs"]:
        lines.append(f"  run {run['run_id']} of {run['source_id']}: {run['processes']} crawl processes, "
                     f"{run['queued_requests']} requests queued")
    lines.append(f"  items waiting for ingest: {state['items_waiting']}"
                 + (f" (+{state['items_in_ingest']} being stored)" if state["items_in_ingest"] else ""))
    lines.append(f"  ingest: {state['ingest'] or 'not running (start `newsmon ingest` next to the database)'}")
    return lines
