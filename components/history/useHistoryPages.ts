"use client";

import { useInfiniteQuery, type QueryKey } from "@tanstack/react-query";
import { fetchHistory } from "@/components/operations/api";

/** The history, newest first, read `pageSize` operations at a time (each page continues after the last id). */
export function useHistoryPages(queryKey: QueryKey, pageSize: number) {
  return useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => fetchHistory({ limit: pageSize, before: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => (last.length < pageSize ? undefined : last[last.length - 1]?.id),
  });
}
