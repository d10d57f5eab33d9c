/** Addresses in the Temporal Web UI, for the console's links and the API's `workflowUrl` fields. */
export interface TemporalUiLinks {
  /** The namespace's workflow list. */
  workflows: string;
  workflow(workflowId: string): string;
}

export function temporalUiLinks(uiUrl: string, namespace: string): TemporalUiLinks {
  const workflows = `${uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows`;
  return { workflows, workflow: (workflowId) => `${workflows}/${encodeURIComponent(workflowId)}` };
}
