import { describe, expect, it } from "vitest";
import { FleetError } from "@/lib/errors";
import { listenPort, parsePrometheusUrl, prometheusSourceFrom, prometheusUrlFromUnit } from "./url";
import { parseDuration } from "./duration";

const unit = (argv: string[], state = "running", ip = "172.18.0.4") => ({ state, argv, networks: [{ name: "fleetlab_default", ip }] });

describe("Prometheus URL", () => {
  it("accepts http and https, without a trailing slash", () => {
    expect(parsePrometheusUrl("http://localhost:9090/")).toEqual({ base: "http://localhost:9090", authorization: null });
    expect(parsePrometheusUrl(" https://prom.example/prometheus/ ").base).toBe("https://prom.example/prometheus");
  });

  it("refuses other schemes, relative text, queries and overlong values with not_configured", () => {
    for (const bad of ["ftp://p:9090", "file:///etc/passwd", "localhost:9090", "/prometheus", "http://p:9090/?x=1", "http://p:9090/#x", `http://p/${"a".repeat(3000)}`]) {
      let err: unknown = null;
      try {
        parsePrometheusUrl(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(FleetError);
      expect((err as FleetError).details).toEqual({ reason: "not_configured" });
      expect((err as FleetError).message).toContain("FLEET_PROMETHEUS_URL");
    }
  });

  it("moves credentials into a basic authorization and out of the shown URL", () => {
    const ep = parsePrometheusUrl("http://admin:s3cret@prom:9090");
    expect(ep.base).toBe("http://prom:9090");
    expect(ep.authorization).toBe(`Basic ${Buffer.from("admin:s3cret").toString("base64")}`);
    expect(prometheusSourceFrom("http://admin:s3cret@prom:9090", [])).toEqual({ url: "http://prom:9090", source: "env" });
    expect(JSON.stringify(prometheusSourceFrom("gopher://admin:s3cret@prom", []))).not.toContain("s3cret");
  });

  it("reads the listen port of --web.listen-address in its forms, else 9090", () => {
    expect(listenPort(["prometheus", "--web.listen-address=0.0.0.0:9091"])).toBe(9091);
    expect(listenPort(["prometheus", "--web.listen-address", ":9092"])).toBe(9092);
    expect(listenPort(["prometheus", "-web.listen-address=[::]:9093"])).toBe(9093);
    expect(listenPort(["prometheus", "--config.file=/x"])).toBe(9090);
    expect(listenPort(["prometheus", "--web.listen-address=:99999"])).toBe(9090);
  });

  it("finds a running container by its network address, port and route prefix", () => {
    expect(prometheusUrlFromUnit(unit(["prometheus", "--web.listen-address=0.0.0.0:9090"]))).toBe("http://172.18.0.4:9090");
    expect(prometheusUrlFromUnit(unit(["prometheus", "--web.external-url=http://x/prom/"]))).toBe("http://172.18.0.4:9090/prom");
    expect(prometheusUrlFromUnit(unit(["prometheus", "--web.route-prefix=metrics"], "running", "fd00::4"))).toBe("http://[fd00::4]:9090/metrics");
    expect(prometheusUrlFromUnit(unit(["prometheus"], "exited"))).toBeNull();
    expect(prometheusUrlFromUnit({ state: "running", argv: [], networks: [{ name: "none", ip: "" }] })).toBeNull();
  });

  it("prefers the environment, then a discovered container, else none", () => {
    const services = [
      { kind: "redis", unit: unit(["redis-server"]) },
      { kind: "prometheus", unit: unit(["prometheus"], "exited") },
      { kind: "prometheus", unit: unit(["prometheus", "--web.listen-address=:9095"], "running", "10.0.0.9") },
    ];
    expect(prometheusSourceFrom("http://p:1", services)).toEqual({ url: "http://p:1", source: "env" });
    expect(prometheusSourceFrom("", services)).toEqual({ url: "http://10.0.0.9:9095", source: "discovered" });
    expect(prometheusSourceFrom(undefined, services.slice(0, 2))).toEqual({ url: null, source: "none" });
  });

  it("parses Prometheus durations", () => {
    expect(parseDuration("5s")).toBe(5);
    expect(parseDuration("1m30s")).toBe(90);
    expect(parseDuration("500ms")).toBe(0.5);
    expect(parseDuration("1h")).toBe(3600);
    expect(parseDuration("")).toBeNull();
    expect(parseDuration("5 s")).toBeNull();
  });
});
