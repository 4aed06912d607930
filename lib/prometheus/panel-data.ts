import "server-only";
import { FleetError } from "@/lib/errors";
import { metricRanges, type MetricsIndex, type PanelData } from "@/lib/contract/metrics";
import { prometheusSource, rangeQuery } from "./client";
import { metricsDeployment } from "./deployment";
import { panelById, panels } from "./panels";
import { parsePanelParams } from "./params";
import { synapseScrapeInterval } from "./scrape-interval";
import { queryGrid } from "./step";
import { toSeries } from "./series";

/** The panels, the ranges and where Prometheus is (GET /api/metrics). Asks Prometheus nothing. */
export async function metricsIndex(): Promise<MetricsIndex> {
  return {
    prometheus: await prometheusSource(),
    panels: panels.map(({ id, title, unit, description }) => ({ id, title, unit, description })),
    ranges: [...metricRanges],
  };
}

/**
 * One panel's series over a range (GET /api/metrics/{panel}). Parameters are checked before
 * anything is asked; workers must be processes of the deployment. Cached: the scrape interval
 * (30 s) and the deployment's processes (5 s, read again for a name it does not know); each call
 * is one query_range.
 */
export async function panelData(panelId: string, search: URLSearchParams, opts: { signal?: AbortSignal; now?: number } = {}): Promise<PanelData> {
  const panel = panelById(panelId);
  if (!panel) throw new FleetError("not_found", `No metric panel ${JSON.stringify(panelId.slice(0, 60))}; GET /api/metrics lists them`, { panel: panelId.slice(0, 60) });
  const params = parsePanelParams(search, opts.now ?? Date.now() / 1000);

  const [known, source] = await Promise.all([metricsDeployment(), prometheusSource()]);
  let deployment = known;
  if (params.workers.some((w) => !deployment.processes.has(w))) deployment = await metricsDeployment({ fresh: true });
  const unknown = params.workers.find((w) => !deployment.processes.has(w));
  if (unknown !== undefined) throw new FleetError("not_found", `No process named ${JSON.stringify(unknown)} in this deployment`, { worker: unknown });

  const scrape = await synapseScrapeInterval(source.url, opts);
  const grid = queryGrid(params, params.width, scrape);
  const query = panel.build({ window: grid.window, serverName: deployment.serverName, workers: params.workers, span: grid.end - grid.start });
  const result = await rangeQuery(query, grid, opts);
  return {
    panel: panel.id,
    title: panel.title,
    unit: panel.unit,
    start: grid.start,
    end: grid.end,
    step: grid.step,
    window: grid.window,
    query,
    series: toSeries(result),
  };
}
