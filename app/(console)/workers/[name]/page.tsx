import { Suspense } from "react";
import { WorkerPage } from "@/components/workers/WorkerPage";

export async function generateMetadata({ params }: { params: Promise<{ name: string }> }) {
  return { title: `${(await params).name} · Synapse Fleet` };
}

export default async function WorkerRoute({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return (
    <Suspense>
      <WorkerPage name={name} />
    </Suspense>
  );
}
