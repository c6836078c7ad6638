// A policy change to the shop example that several suites apply (diff, report --with, help examples):
// Prometheus may scrape the cart, which opens exactly one connection.
export const CART_FROM_PROMETHEUS = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: cart-from-prometheus, namespace: default}
spec:
  podSelector: {matchLabels: {app: cart}}
  ingress:
    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
      ports: [{port: http}]
`;
