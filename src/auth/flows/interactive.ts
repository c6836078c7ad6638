// Browser sign-in (auth code + PKCE): being built under issue 5.
import { SignInFailedError } from '../sign-in-errors.js';
import type { SignInFlow } from './index.js';

export const interactiveSignIn: SignInFlow = async () => {
  throw new SignInFailedError('--login interactive is not available yet; use --login devicecode');
};
