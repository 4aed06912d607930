import { HistoryEntry } from "@/components/history/HistoryEntry";

export const metadata = { title: "Operation · Synapse Fleet" };

export default async function HistoryEntryPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <HistoryEntry id={id} />;
}
