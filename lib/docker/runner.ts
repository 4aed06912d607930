import "server-only";
import type { ContainerSpec } from "@/lib/synapse/plan-schema";
import { ContainerRunner, type ProcessRunner } from "./containers";
import { swarmMode } from "./swarm/mode";
import { ServiceRunner } from "./swarm/services";

/**
 * The ProcessRunner of the deployment as it runs now: Swarm services when main is a service on the
 * manager the dashboard talks to (swarmMode), plain containers otherwise (issue #15 §1). Decided
 * once per instance, on its first call: an operation keeps one runner from its first step to its
 * undo, and the ServiceRunner's count of failed tasks lives as long as the operation.
 */
export class RuntimeRunner implements ProcessRunner {
  private picked: Promise<ProcessRunner> | null = null;

  private runner(): Promise<ProcessRunner> {
    this.picked ??= swarmMode().then((m) => (m.swarm ? new ServiceRunner() : new ContainerRunner()));
    // An engine away on the first call must not decide for good.
    this.picked.catch(() => (this.picked = null));
    return this.picked;
  }

  async create(spec: ContainerSpec): Promise<string> {
    return (await this.runner()).create(spec);
  }
  async start(id: string): Promise<void> {
    return (await this.runner()).start(id);
  }
  async stop(id: string, timeoutS?: number): Promise<void> {
    return (await this.runner()).stop(id, timeoutS);
  }
  async restart(id: string, timeoutS?: number): Promise<void> {
    return (await this.runner()).restart(id, timeoutS);
  }
  async remove(id: string, force?: boolean): Promise<void> {
    return (await this.runner()).remove(id, force);
  }
  async specOf(id: string): Promise<ContainerSpec> {
    return (await this.runner()).specOf(id);
  }
  async stateOf(id: string): Promise<{ state: string; exitCode: number | null }> {
    return (await this.runner()).stateOf(id);
  }
  async logsTail(id: string, lines: number): Promise<string[]> {
    return (await this.runner()).logsTail(id, lines);
  }
  async usedHostPorts(): Promise<number[]> {
    return (await this.runner()).usedHostPorts();
  }
  async signal(id: string, signal: "SIGHUP"): Promise<void> {
    return (await this.runner()).signal(id, signal);
  }
}

/** Whether a runner acts on a real engine (not a test's fake): its failures may mean the engine went away. */
export function actsOnEngine(runner: ProcessRunner): boolean {
  return runner instanceof RuntimeRunner || runner instanceof ContainerRunner || runner instanceof ServiceRunner;
}
