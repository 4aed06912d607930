import { TopologyView } from "@/components/topology/TopologyView";

export default function TopologyPage() {
  return <TopologyView />;
}
