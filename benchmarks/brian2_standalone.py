"""Run an exported Brian2 script (engine.io export_brian2) in Brian2's C++ standalone mode and
print one JSON line of timings. Runs in the Brian2 venv (bench_engine.py starts it):

    .venv-brian2/bin/python benchmarks/brian2_standalone.py SCRIPT.py BUILD_DIR --t-sim 1000 --seed 1

build s / CPU s   the script's build() (connections drawn in Python) + code generation + g++
sim s / CPU s     the compiled binary (it loads the connections, then simulates t_sim): its
                  wall time and its CPU time (a child process: RUSAGE_CHILDREN)
(no peak memory: the children's maximum RSS is g++'s as often as the binary's)
"""
import argparse
import json
import resource
import time
import types
from pathlib import Path


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("script")
    parser.add_argument("directory")
    parser.add_argument("--t-sim", type=float, default=1000.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    exported = types.ModuleType("exported")
    source = Path(args.script).read_text()
    # standalone mode knows a Synapses' size only after the binary ran: the script's count is skipped
    exec(compile(source.replace("n_synapses += len(syn)", "n_synapses += 0"), args.script, "exec"), exported.__dict__)
    b2 = exported.b2
    b2.set_device("cpp_standalone", directory=args.directory, build_on_run=False)
    started, cpu = time.perf_counter(), time.process_time() + children_cpu()
    net, group, _ = exported.build(args.seed)
    monitors = {name: b2.SpikeMonitor(group[name]) for name, *_ in exported.POPULATIONS}
    net.add(*monitors.values())
    net.run(round(round(args.t_sim / exported.DT) * exported.DT, 10) * b2.ms, namespace={})
    b2.device.build(directory=args.directory, compile=True, run=False)
    build_s, build_cpu_s = time.perf_counter() - started, time.process_time() + children_cpu() - cpu
    started, cpu = time.perf_counter(), children_cpu()
    b2.device.run(directory=args.directory, with_output=False)
    sim_s, sim_cpu_s = time.perf_counter() - started, children_cpu() - cpu
    spikes = {name: int(m.num_spikes) for name, m in monitors.items()}
    # no peak memory: RUSAGE_CHILDREN's maximum would be g++'s as often as the binary's
    print(json.dumps({"build_s": build_s, "build_cpu_s": build_cpu_s, "sim_s": sim_s, "sim_cpu_s": sim_cpu_s,
                      "spikes": spikes}))


if __name__ == "__main__":
    main()
