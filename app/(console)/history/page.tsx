import { HistoryList } from "@/components/history/HistoryList";

export const metadata = { title: "History · Synapse Fleet" };

export default function HistoryPage() {
  return <HistoryList />;
}
