/** A general graph's edge, drawn from handle to handle through the bends dagre routed it along (clear of the nodes it passes). */
import { BaseEdge, type Edge, type EdgeProps } from '@xyflow/react';
import { memo } from 'react';
import { smoothPath } from './dag-layout.ts';
import type { RoutedEdgeData } from './forward-layout.ts';

export const RoutedEdge = memo(function RoutedEdge({ id, sourceX, sourceY, targetX, targetY, data, markerEnd, style }: EdgeProps<Edge<RoutedEdgeData, 'routed'>>) {
  const points = [{ x: sourceX, y: sourceY }, ...(data?.points ?? []), { x: targetX, y: targetY }];
  return <BaseEdge id={id} path={smoothPath(points, data?.horizontal ?? true)} markerEnd={markerEnd} style={style} />;
});
