#!/usr/bin/env python3
"""What scraping a running pipeline costs once it runs steadily (issue #12's 3 % budget).

Runs one Nexmark query (message_count raised so it outlasts the measurement) through
./arroyo run with its HTTP server, then alternates windows of WINDOW seconds: quiet (nobody
asks the server anything) and scraped (/metrics and the dashboard's five API calls once a
second, over one kept-alive connection, as Prometheus plus an open dashboard would). Each
window's figure is the process's CPU (user+sys from /proc) per wall second. The first scraped
window also pays the one-time JIT of the request path and is reported apart; the median of the
later pairs is the steady cost. bench/metrics-overhead.sh gives the whole-process view.

  bench/metrics-steady.py [--query q0] [--pairs 6] [--window 4]
"""
import argparse, http.client, os, re, statistics, subprocess, sys, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
parser = argparse.ArgumentParser()
parser.add_argument("--query", default="q0")
parser.add_argument("--pairs", type=int, default=6)
parser.add_argument("--window", type=float, default=4.0)
args = parser.parse_args()

work = tempfile.mkdtemp(prefix="arroyo-metrics-steady-")
sql = open(os.path.join(root, "bench", "nexmark", f"{args.query}.sql")).read()
sql = re.sub(r"message_count = '\d+'", "message_count = '100000000000'", sql)
query = os.path.join(work, "q.sql")
open(query, "w").write(sql)
log_path = os.path.join(work, "log.txt")
log = open(log_path, "w")
process = subprocess.Popen([os.path.join(root, "arroyo"), "run", "-s", os.path.join(work, "state"), query],
                           stdout=subprocess.DEVNULL, stderr=log, cwd=work)


def cpu_seconds():
    fields = open(f"/proc/{process.pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


try:
    match, deadline = None, time.time() + 300
    while match is None:
        if process.poll() is not None or time.time() > deadline:
            sys.exit("the pipeline did not start:\n" + open(log_path).read())
        time.sleep(0.2)
        match = re.search(r"dashboard at http://([^/\s]+)/pipelines/(pl_[0-9a-f]+)", open(log_path).read())
    host, pipeline = match.group(1), match.group(2)
    job = "job_" + pipeline[3:]
    paths = ["/metrics", f"/api/v1/pipelines/{pipeline}"] + [
        f"/api/v1/pipelines/{pipeline}/jobs/{job}/{p}" for p in ["operator_metrics", "checkpoints", "errors", "operator_metric_groups"]]
    connection = http.client.HTTPConnection(host, timeout=10)
    time.sleep(3)  # past the pipeline's own start-up

    quiet, scraped = [], []
    for window in range(2 * args.pairs):
        scrape = window % 2 == 1
        before, start = cpu_seconds(), time.time()
        while time.time() - start < args.window:
            if scrape:
                for path in paths:
                    connection.request("GET", path)
                    connection.getresponse().read()
                time.sleep(1)
            else:
                time.sleep(0.1)
        cores = (cpu_seconds() - before) / (time.time() - start)
        (scraped if scrape else quiet).append(cores)
        print(f"{'scraped' if scrape else 'quiet  '} window {window // 2 + 1}: {cores:.3f} cores", file=sys.stderr)
finally:
    process.terminate()
    process.wait()

first = scraped[0] - quiet[0]
steady = [s - q for q, s in zip(quiet[1:], scraped[1:])]
base = statistics.median(quiet[1:])
cost = statistics.median(steady)
print(f"| query | quiet (cores, median) | scrape cost, steady (cores, median of {len(steady)} pairs) | of the pipeline's CPU | first scraped window (JIT) |")
print("|---|---|---|---|---|")
print(f"| {args.query} | {base:.3f} | {cost:+.3f} | {100 * cost / base:+.1f} % | {first:+.3f} cores for {args.window:g} s |")
