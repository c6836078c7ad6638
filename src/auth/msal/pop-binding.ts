// Asks Entra for proof-of-possession tokens on msal-node's behalf. msal-node 7 resets every request to
// the Bearer scheme (ClientApplication.initializeBaseRequest) and sends `extraParameters` only with
// some grants (not the device code or client credentials ones), so the PoP parameters go where every
// token request passes: msal's network module. Each token request (a POST with a grant_type: auth
// code, refresh token, device code poll, client credentials) gets `token_type=pop` and `req_cnf`, as
// Azure/kubelogin's PoPAuthenticationScheme sends them; the authorization and device code requests do
// not take them.
//
// Entra answers `token_type: pop`. msal-node would then try to sign the token itself, which it cannot
// (its crypto provider throws "not implemented"), so msal is told "Bearer": it caches and returns the
// bound token as it is, and kubectl-np signs each request with it (auth/pop.ts). The binding is
// verified, not assumed: acquire checks the token's cnf names our key.
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

export class PopBinding implements INetworkModule {
  constructor(
    private readonly inner: INetworkModule,
    private readonly reqCnf: string,
    private readonly debug: (message: string) => void = () => undefined,
  ) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.inner.sendGetRequestAsync<T>(url, options, timeout);
  }

  async sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    const params = new URLSearchParams(typeof options?.body === 'string' ? options.body : '');
    if (!params.has('grant_type')) return this.inner.sendPostRequestAsync<T>(url, options);
    // appended, so msal's own encoding of the rest stays as it was
    const bound = `${options?.body ?? ''}&token_type=pop&req_cnf=${encodeURIComponent(this.reqCnf)}`;
    const response = await this.inner.sendPostRequestAsync<T>(url, { ...options, body: bound });
    const body = response.body as Record<string, unknown> | undefined;
    if (body && typeof body === 'object' && typeof body.token_type === 'string' && body.token_type.toLowerCase() === 'pop') {
      this.debug('token endpoint answered a proof-of-possession token');
      return { ...response, body: { ...body, token_type: 'Bearer' } as T };
    }
    return response;
  }
}
