// The Latchkey app: pairing, then "Reset Password". Routing is by the fragment, which never reaches the server:
// `#t=<token>` on /app/pair carries a pairing token, `#/reset/<id>` opens a reset and `#/lockout/<id>` a lockout
// (a notification's tap).

import { ApiError, OfflineError, call, forgetCredentials, useDevice, usePairing } from './api.js';
import { makeDeviceKeys, openSealed, signAction } from './keys.js';
import { alertsOffReason, pushSupported, turnOnAlerts } from './push.js';
import { startScanner, tokenFromLink } from './scanner.js';
import { busyButton, button, h, notice, setBrand, show, sleep } from './ui.js';
import { forgetDevice, loadDevice, saveDevice } from './vault.js';

/** How long the one-time password stays on screen. */
const PASSWORD_VISIBLE_SECONDS = 60;
/** What the countdown starts from: a reset usually takes a few seconds; the stages, not this, say when it is done. */
const RESET_EXPECTED_SECONDS = 30;
const POLL_MS = 750;

const state = {
  /** The vault's record: { deviceId, deviceSecret, protection, signingKey, sealingKey }. */
  device: null,
  /** GET /devices/me. */
  me: null,
  /** The redeemed pairing: redeem's answer (pairingSecret absent when the pairing cookie carries it). */
  pairing: null,
  /** A PushTarget once alerts are on, during pairing. */
  push: null,
  pushOff: null,
  config: null,
  /** reset_ready events already opened in this run, so that /events does not open one twice. */
  opened: new Set(),
};

// ---------------------------------------------------------------------------------------------------------------
// Platform

const isStandalone = () =>
  window.matchMedia('(display-mode: standalone)').matches ||
  window.matchMedia('(display-mode: fullscreen)').matches ||
  navigator.standalone === true;
const isIos = () =>
  /iPhone|iPad|iPod/.test(navigator.userAgent) ||
  (/Macintosh/.test(navigator.userAgent) && navigator.maxTouchPoints > 1);
const isAndroid = () => /Android/.test(navigator.userAgent);

function deviceLabel() {
  const ua = navigator.userAgent;
  if (/iPad/.test(ua)) return 'iPad';
  if (isIos()) return 'iPhone';
  const model = /Android [\d.]+; ([^;)]+)/.exec(ua)?.[1];
  if (isAndroid()) return model && model !== 'K' ? model.trim() : 'Android phone';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrome\//.test(ua)
        ? 'Chrome'
        : 'Browser';
  const system = /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'Mac' : /Linux/.test(ua) ? 'Linux' : 'computer';
  return `${browser} on ${system}`;
}

let installPrompt = null;
window.addEventListener('beforeinstallprompt', (event) => {
  event.preventDefault();
  installPrompt = event;
  document.dispatchEvent(new Event('latchkey:installable'));
});

async function biometricsAvailable() {
  try {
    return Boolean(
      window.PublicKeyCredential && (await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable()),
    );
  } catch {
    return false;
  }
}

const webauthn = () => window.SimpleWebAuthnBrowser;

// ---------------------------------------------------------------------------------------------------------------
// Shared pieces

const heading = (text, sub) => [h('h1', {}, text), sub ? h('p', { class: 'lead' }, sub) : null];

function who() {
  const source = state.me ?? state.pairing;
  if (!source) return null;
  const name = source.user?.displayName ?? source.displayName;
  const client = source.clientName;
  return h(
    'p',
    { class: 'who' },
    h('span', { class: 'who-name' }, name ?? ''),
    client ? h('span', { class: 'who-client' }, client) : null,
  );
}

/** A problem in words the user can act on; `actions` are buttons. */
function problem(title, message, actions = [button('Back to start', () => void route())]) {
  show('problem', heading(title), notice(message, 'error'), h('div', { class: 'actions' }, actions));
}

function revoked(message) {
  forgetCredentials();
  state.device = null;
  state.me = null;
  void forgetDevice();
  show(
    'revoked',
    heading('This phone is no longer paired'),
    notice(message || 'To pair it again, text PAIR to your IT provider’s Latchkey number.', 'error'),
    h('p', {}, 'You can also ask your IT provider to send you a new app link.'),
    h(
      'div',
      { class: 'actions' },
      button('Scan a new code', () => scanScreen(), 'secondary'),
    ),
  );
}

/** The one place that turns a failed call into a screen; answers true if it took over the screen. */
function handleCommon(error) {
  if (error instanceof OfflineError) {
    problem('No connection', error.message, [button('Try again', () => void route())]);
    return true;
  }
  if (error instanceof ApiError && error.code === 'device_revoked') {
    revoked(error.message);
    return true;
  }
  if (error instanceof ApiError && error.status === 401 && state.device && error.code !== 'verification_failed') {
    // The server no longer knows this phone's secret: it was unpaired elsewhere.
    revoked(error.message);
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Pairing

function startScreen() {
  setBrand(null);
  const field = h('input', {
    id: 'link',
    type: 'url',
    inputmode: 'url',
    autocomplete: 'off',
    autocapitalize: 'off',
    spellcheck: 'false',
    placeholder: 'https://…/app/pair#t=…',
    'aria-describedby': 'link-hint',
  });
  const error = h('p', { class: 'field-error', id: 'link-error', role: 'alert' });
  show(
    'start',
    heading(
      'Pair this phone',
      'Scan the code on your computer’s screen, or open the link your IT provider texted you.',
    ),
    h(
      'div',
      { class: 'actions' },
      button('Scan the QR code', () => scanScreen()),
    ),
    h(
      'form',
      {
        class: 'paste',
        onsubmit: (event) => {
          event.preventDefault();
          const token = tokenFromLink(field.value);
          if (!token) {
            error.textContent = 'That is not a Latchkey pairing link. Copy the whole link from the text message.';
            return;
          }
          void redeem(token);
        },
      },
      h('label', { for: 'link' }, 'Or paste the link'),
      field,
      h('p', { class: 'hint', id: 'link-hint' }, 'It starts with this site’s address and contains “/app/pair”.'),
      error,
      h('button', { type: 'submit', class: 'button secondary' }, 'Use this link'),
    ),
  );
}

function scanScreen() {
  const video = h('video', { class: 'camera', 'aria-label': 'Camera view', playsinline: true, muted: true });
  const status = h('p', { class: 'hint', role: 'status' }, 'Starting the camera…');
  let stop = null;
  let done = false;
  const screen = show(
    'scan',
    heading('Scan the QR code', 'Point the camera at the code on your computer’s screen.'),
    h('div', { class: 'viewfinder' }, video, h('div', { class: 'frame', 'aria-hidden': 'true' })),
    status,
    h(
      'div',
      { class: 'actions' },
      button('Type or paste the link instead', () => startScreen(), 'secondary'),
    ),
  );
  screen.onLeave(() => {
    done = true;
    stop?.();
  });
  startScanner(video, (text) => {
    if (done) return;
    const token = tokenFromLink(text);
    if (!token) {
      status.textContent = 'That code is not a Latchkey pairing code. Scan the one on the enrollment page.';
      return;
    }
    done = true;
    void redeem(token);
  })
    .then((stopper) => {
      if (done) stopper();
      else {
        stop = stopper;
        status.textContent = 'Looking for a code…';
      }
    })
    .catch(() => {
      status.textContent = 'The camera is not available. Allow camera access, or paste the link instead.';
    });
}

async function redeem(token) {
  show('redeeming', heading('Checking the code…'));
  try {
    const pairing = await call('POST', '/pairings/redeem', { token });
    beginPairing(pairing);
  } catch (error) {
    if (handleCommon(error)) return;
    if (error instanceof ApiError && error.code === 'pairing_token_invalid') {
      problem('This code can’t be used', error.message, [
        button('Scan a new code', () => scanScreen()),
        button('Paste a link', () => startScreen(), 'secondary'),
      ]);
      return;
    }
    problem('Pairing did not start', error.message);
  }
}

function beginPairing(pairing) {
  state.pairing = pairing;
  usePairing(pairing.pairingId, pairing.pairingSecret);
  setBrand(pairing.mspName);
  if (isStandalone()) welcomeScreen();
  else installScreen();
}

function installScreen() {
  const ios = isIos();
  const steps = ios
    ? h(
        'ol',
        { class: 'steps' },
        h(
          'li',
          {},
          'Tap ',
          h('strong', {}, 'Share'),
          ' ',
          h('span', { class: 'glyph', 'aria-hidden': 'true' }, '⎋'),
          ' at the bottom of Safari.',
        ),
        h('li', {}, 'Tap ', h('strong', {}, 'Add to Home Screen'), ', then ', h('strong', {}, 'Add'), '.'),
        h('li', {}, 'Open ', h('strong', {}, 'Latchkey'), ' from your Home Screen to finish within 10 minutes.'),
      )
    : h(
        'ol',
        { class: 'steps' },
        h(
          'li',
          {},
          'Tap ',
          h('strong', {}, 'Install'),
          ' below, or open the browser menu ',
          h('span', { class: 'glyph', 'aria-hidden': 'true' }, '⋮'),
          ' and tap ',
          h('strong', {}, 'Install app'),
          ' or ',
          h('strong', {}, 'Add to Home screen'),
          '.',
        ),
        h('li', {}, 'Open ', h('strong', {}, 'Latchkey'), ' from your Home screen.'),
      );
  const install = button('Install Latchkey', async () => {
    if (!installPrompt) return;
    await installPrompt.prompt();
    const choice = await installPrompt.userChoice;
    installPrompt = null;
    install.hidden = true;
    if (choice?.outcome === 'accepted') installed.hidden = false;
  });
  install.hidden = !installPrompt;
  const installed = notice('Installed. Open Latchkey from your Home screen to finish.', 'ok');
  installed.hidden = true;
  // iOS keeps an installed app's storage apart from Safari's: keys made in Safari would not be in the app.
  const proceed = ios ? null : button('Continue in the browser', () => welcomeScreen());
  const showInstall = () => {
    install.hidden = !installPrompt;
    // One primary action: Install when the browser offers it, otherwise continuing here.
    proceed?.classList.toggle('primary', !installPrompt);
    proceed?.classList.toggle('secondary', Boolean(installPrompt));
  };
  showInstall();
  document.addEventListener('latchkey:installable', showInstall);
  const screen = show(
    'install',
    heading(
      `Add Latchkey to your ${ios ? 'Home Screen' : 'phone'}`,
      `${state.pairing.mspName} uses the Latchkey app to reset your password from your phone.`,
    ),
    who(),
    steps,
    installed,
    h('div', { class: 'actions' }, ios ? null : install, proceed),
    ios ? h('p', { class: 'hint' }, 'This code has been checked; the app picks up from here.') : null,
  );
  screen.onLeave(() => document.removeEventListener('latchkey:installable', showInstall));
}

function welcomeScreen() {
  const pairing = state.pairing;
  show(
    'welcome',
    heading(
      `Welcome, ${pairing.displayName ?? ''}`.trim(),
      `${pairing.mspName} set up Latchkey for ${pairing.clientName}. With it you can reset your work password from this phone, any time.`,
    ),
    h(
      'ul',
      { class: 'points' },
      h('li', {}, 'Your new password appears only on this phone.'),
      h('li', {}, 'Each reset asks for your fingerprint, face or PIN.'),
    ),
    h(
      'div',
      { class: 'actions' },
      button('Get started', () => void alertsScreen()),
    ),
  );
}

async function loadConfig() {
  state.config ??= await call('GET', '/config').catch(() => ({ vapidPublicKey: null }));
  return state.config;
}

async function alertsScreen() {
  const config = await loadConfig();
  if (!pushSupported() || !config.vapidPublicKey) {
    // No key: this server sends no web push at all, which is nothing the user can change here.
    state.pushOff = config.vapidPublicKey ? 'unsupported' : 'declined';
    return protectionScreen();
  }
  show(
    'alerts',
    heading('Turn on alerts', 'Latchkey tells you when a new password is waiting, or when your account gets locked.'),
    h('div', { class: 'illustration bell', 'aria-hidden': 'true' }),
    h(
      'div',
      { class: 'actions' },
      busyButton('Turn on alerts', async () => {
        const result = await turnOnAlerts(config.vapidPublicKey);
        state.push = result.target ?? null;
        state.pushOff = result.off ?? null;
        protectionScreen();
      }),
      button(
        'Not now',
        () => {
          state.push = null;
          state.pushOff = 'declined';
          protectionScreen();
        },
        'secondary',
      ),
    ),
    h('p', { class: 'hint' }, 'Recommended. You can still reset your password without alerts.'),
  );
}

async function protectionScreen() {
  const biometric = await biometricsAvailable();
  const off = state.pushOff && state.pushOff !== 'declined' ? notice(alertsOffReason[state.pushOff], 'warn') : null;
  const status = h('p', { class: 'field-error', role: 'alert' });
  show(
    'protection',
    heading('Protect your resets', 'Choose how you confirm it is you each time you reset your password.'),
    off,
    h(
      'div',
      { class: 'choices' },
      biometric
        ? busyButton(
            [h('strong', {}, 'Fingerprint or face'), h('span', {}, 'Use this phone’s screen lock')],
            async () => {
              status.textContent = '';
              await registerBiometric(status);
            },
            'choice',
            { 'aria-label': 'Use fingerprint or face' },
          )
        : null,
      button(
        [h('strong', {}, 'PIN'), h('span', {}, '4 to 8 digits, checked by your IT provider’s server')],
        () => pinSetupScreen(),
        'choice',
        { 'aria-label': 'Use a PIN' },
      ),
    ),
    biometric ? null : h('p', { class: 'hint' }, 'Fingerprint and face are not available in this browser.'),
    status,
  );
}

async function registerBiometric(status) {
  let keys;
  let credential;
  try {
    keys = await makeDeviceKeys();
    credential = await webauthn().startRegistration({ optionsJSON: state.pairing.webauthn });
  } catch (error) {
    status.textContent =
      error?.name === 'NotAllowedError'
        ? 'Fingerprint or face was not confirmed. Try again, or choose a PIN.'
        : 'This phone could not set up fingerprint or face. Choose a PIN instead.';
    return;
  }
  await register(keys, { protection: 'biometric', webauthn: credential }, status);
}

function pinField(id, label) {
  return [
    h('label', { for: id }, label),
    h('input', {
      id,
      type: 'password',
      inputmode: 'numeric',
      pattern: '[0-9]*',
      autocomplete: 'off',
      maxlength: '8',
      class: 'pin',
      required: true,
    }),
  ];
}

function pinSetupScreen() {
  const status = h('p', { class: 'field-error', role: 'alert', id: 'pin-error' });
  const form = h(
    'form',
    {
      onsubmit: async (event) => {
        event.preventDefault();
        const pin = form.querySelector('#pin').value;
        const again = form.querySelector('#pin-again').value;
        if (!/^\d{4,8}$/.test(pin)) return void (status.textContent = 'Use 4 to 8 digits.');
        if (pin !== again) return void (status.textContent = 'The two PINs are not the same. Type them again.');
        status.textContent = '';
        const submit = form.querySelector('button[type=submit]');
        submit.disabled = true;
        try {
          await register(await makeDeviceKeys(), { protection: 'pin', pin }, status);
        } finally {
          submit.disabled = false;
        }
      },
    },
    ...pinField('pin', 'New PIN'),
    ...pinField('pin-again', 'Type it again'),
    status,
    h('button', { type: 'submit', class: 'button primary' }, 'Save PIN'),
    button('Back', () => void protectionScreen(), 'secondary'),
  );
  // A message about the PINs as they were is wrong once they change.
  form.addEventListener('input', () => {
    status.textContent = '';
  });
  show(
    'pin-setup',
    heading('Choose a PIN', 'You will type it each time you reset your password. Avoid 1234 and your birthday.'),
    form,
  );
}

async function register(keys, protection, status) {
  let answer;
  try {
    answer = await call('POST', '/devices', {
      label: deviceLabel(),
      protection: protection.protection,
      signingKey: keys.signingPublic,
      sealingKey: keys.sealingPublic,
      webauthn: protection.webauthn,
      pin: protection.pin,
      push: state.push ?? undefined,
    });
  } catch (error) {
    if (handleCommon(error)) return;
    if (error instanceof ApiError && (error.status === 401 || error.status === 410)) {
      problem('Pairing timed out', error.message, [button('Scan a new code', () => scanScreen())]);
      return;
    }
    status.textContent = error.message;
    return;
  }
  state.device = {
    deviceId: answer.deviceId,
    deviceSecret: answer.deviceSecret,
    protection: protection.protection,
    signingKey: keys.signingKey,
    sealingKey: keys.sealingKey,
  };
  await saveDevice(state.device);
  useDevice(answer.deviceId, answer.deviceSecret);
  state.pairing = null;
  if (answer.status === 'pending_match') matchScreen(answer.matchNumber);
  else void home();
}

function matchScreen(number) {
  let stopped = false;
  const screen = show(
    'match',
    heading('Pick this number on your computer'),
    h('p', { class: 'match-number', 'aria-label': `Number ${number.split('').join(' ')}` }, number),
    h('p', { class: 'lead' }, 'Your computer shows a few numbers. Choose the one above to finish pairing.'),
    h(
      'p',
      { class: 'hint', role: 'status' },
      h('span', { class: 'spinner', 'aria-hidden': 'true' }),
      ' Waiting for your choice…',
    ),
  );
  screen.onLeave(() => {
    stopped = true;
  });
  void (async () => {
    while (!stopped) {
      await sleep(1500);
      if (stopped) return;
      try {
        const me = await call('GET', '/devices/me');
        if (me.status === 'active') return void home(me);
        if (me.status === 'revoked') return void wrongMatch();
      } catch (error) {
        if (error instanceof ApiError && (error.code === 'device_revoked' || error.status === 401))
          return void wrongMatch();
        // A dropped connection while waiting is not the user's problem: keep asking.
      }
    }
  })();
}

function wrongMatch() {
  forgetCredentials();
  state.device = null;
  void forgetDevice();
  problem(
    'The numbers did not match',
    'For your safety this pairing was cancelled. Your computer now shows a new code: scan it to try again.',
    [button('Scan the new code', () => scanScreen())],
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Home and resets

async function home(me) {
  try {
    state.me = me ?? (await call('GET', '/devices/me'));
  } catch (error) {
    if (handleCommon(error)) return;
    return problem('Latchkey did not answer', error.message, [button('Try again', () => void home())]);
  }
  if (state.me.status === 'pending_match')
    return problem('Pairing is not finished', 'Pick the number on your computer first, or scan a new code.', [
      button('Scan a new code', () => scanScreen()),
    ]);
  setBrand(state.me.mspName);
  const { pushEnabled, user } = state.me;
  const alerts = pushEnabled
    ? h('p', { class: 'alerts on' }, h('span', { class: 'dot', 'aria-hidden': 'true' }), 'Alerts are on')
    : h(
        'div',
        { class: 'alerts off' },
        h('p', {}, h('span', { class: 'dot', 'aria-hidden': 'true' }), 'Alerts are off'),
        busyButton('Turn on alerts', () => enableAlertsFromHome(), 'small'),
      );
  show(
    'home',
    h('h1', { class: 'visually-hidden' }, 'Latchkey'),
    who(),
    h('p', { class: 'account' }, `Signed in as ${user.username}`),
    busyButton('Reset Password', () => startReset(), 'hero'),
    h('p', { class: 'hint center' }, 'Gives you a one-time password for your work account.'),
    alerts,
    h(
      'div',
      { class: 'actions bottom' },
      button('Unpair this phone', () => unpairScreen(), 'quiet'),
    ),
  );
  void checkEvents();
}

async function enableAlertsFromHome() {
  const config = await loadConfig();
  const result = await turnOnAlerts(config.vapidPublicKey);
  if (!result.target)
    return problem('Alerts are still off', alertsOffReason[result.off], [button('Back', () => void home())]);
  try {
    await call('PUT', '/devices/me/push', { push: result.target });
  } catch (error) {
    if (handleCommon(error)) return;
    return problem('Alerts are still off', error.message, [button('Back', () => void home())]);
  }
  await home();
}

/** Push may never arrive: on every open, ask what is waiting. */
async function checkEvents() {
  if (await checkLockouts()) return;
  let answer;
  try {
    answer = await call('GET', '/events');
  } catch {
    return;
  }
  const ready = (answer?.events ?? []).find((event) => event.type === 'reset_ready' && !state.opened.has(event.id));
  if (ready && document.getElementById('screen').dataset.screen === 'home') void followReset(ready.id);
}

async function startReset() {
  let challenge;
  try {
    challenge = await call('POST', '/challenges', { action: 'reset' });
  } catch (error) {
    return resetRefused(error);
  }
  if (state.device.protection === 'pin') return pinEntryScreen(challenge);
  let assertion;
  try {
    assertion = await webauthn().startAuthentication({ optionsJSON: challenge.webauthn });
  } catch (error) {
    return problem(
      'Not confirmed',
      error?.name === 'NotAllowedError'
        ? 'Your fingerprint or face was not confirmed, so no password was reset. Try again.'
        : 'This phone could not check your fingerprint or face. Try again.',
      [button('Try again', () => void startReset()), button('Back', () => void home(), 'secondary')],
    );
  }
  await submitReset(challenge, { webauthn: assertion });
}

function pinEntryScreen(challenge, message) {
  const status = h('p', { class: 'field-error', role: 'alert' }, message ?? '');
  const form = h(
    'form',
    {
      onsubmit: async (event) => {
        event.preventDefault();
        const pin = form.querySelector('#pin').value;
        if (!/^\d{4,8}$/.test(pin)) return void (status.textContent = 'Your PIN has 4 to 8 digits.');
        form.querySelector('button[type=submit]').disabled = true;
        await submitReset(challenge, { pin });
      },
    },
    ...pinField('pin', 'PIN'),
    status,
    h('button', { type: 'submit', class: 'button primary' }, 'Confirm'),
    button('Cancel', () => void home(), 'secondary'),
  );
  show('pin-entry', heading('Enter your PIN', 'To reset your password, confirm it is you.'), form);
  form.querySelector('#pin').focus();
}

async function submitReset(challenge, proof) {
  let answer;
  try {
    const signature = await signAction(state.device.signingKey, {
      action: 'reset',
      challengeId: challenge.challengeId,
      challenge: challenge.challenge,
    });
    answer = await call('POST', '/resets', { challengeId: challenge.challengeId, signature, ...proof });
  } catch (error) {
    if (error instanceof ApiError && error.code === 'verification_failed' && state.device.protection === 'pin') {
      // The challenge was spent on the wrong PIN: the next try signs a new one.
      const left = error.body?.error?.details?.pinTriesLeft;
      const text =
        typeof left === 'number'
          ? `Wrong PIN. ${left} ${left === 1 ? 'try' : 'tries'} left before this phone is unpaired.`
          : 'Wrong PIN. Try again.';
      try {
        return pinEntryScreen(await call('POST', '/challenges', { action: 'reset' }), text);
      } catch (next) {
        return resetRefused(next);
      }
    }
    return resetRefused(error);
  }
  await followReset(answer.resetId);
}

function retryText(seconds) {
  if (!seconds) return 'later';
  if (seconds < 90) return `in ${Math.ceil(seconds)} seconds`;
  if (seconds < 90 * 60) return `in ${Math.ceil(seconds / 60)} minutes`;
  return `in ${Math.ceil(seconds / 3600)} hours`;
}

function resetRefused(error) {
  if (handleCommon(error)) return;
  const back = [button('Back', () => void home())];
  if (!(error instanceof ApiError)) return problem('Something went wrong', 'The reset did not start. Try again.', back);
  switch (error.code) {
    case 'agent_offline':
      return problem('Your company’s reset service is offline', error.message, [
        button('Try again', () => void startReset()),
        button('Back', () => void home(), 'secondary'),
      ]);
    case 'rate_limited':
    case 'too_many_resets':
      return problem(
        'Too many resets',
        `${error.message} You can try again ${retryText(error.retryAfterSeconds)}.`,
        back,
      );
    case 'verification_failed':
      return problem('Not confirmed', error.message, [button('Try again', () => void startReset()), ...back]);
    default:
      return problem(error.status === 403 ? 'Reset not allowed' : 'The reset did not start', error.message, back);
  }
}

const STAGES = [
  { stage: 'checking', label: 'Checking your request' },
  { stage: 'setting', label: 'Setting your new password' },
  { stage: 'ready', label: 'Password ready' },
];

async function followReset(resetId) {
  state.opened.add(resetId);
  const started = Date.now();
  const ring = h('div', {
    class: 'ring',
    role: 'progressbar',
    'aria-valuemin': '0',
    'aria-valuemax': '3',
    'aria-valuenow': '0',
    'aria-label': 'Reset progress',
  });
  const seconds = h('span', { class: 'seconds' }, String(RESET_EXPECTED_SECONDS));
  ring.append(h('div', { class: 'ring-inner' }, seconds, h('span', { class: 'unit' }, 'seconds')));
  const items = STAGES.map((item) => h('li', { dataset: { stage: item.stage } }, item.label));
  const stageText = h('p', { class: 'stage', role: 'status', id: 'stage' }, STAGES[0].label + '…');
  let stopped = false;
  const screen = show(
    'countdown',
    heading('Resetting your password'),
    ring,
    stageText,
    h('ol', { class: 'stages' }, items),
  );
  screen.onLeave(() => {
    stopped = true;
    clearInterval(timer);
  });
  const timer = setInterval(() => {
    const left = RESET_EXPECTED_SECONDS - Math.floor((Date.now() - started) / 1000);
    seconds.textContent = String(Math.max(0, left));
    if (left <= 0) stageText.textContent = 'Still working: your company network is slow to answer…';
  }, 250);
  const mark = (stage) => {
    const index = STAGES.findIndex((item) => item.stage === stage);
    ring.style.setProperty('--progress', String((index + 1) / STAGES.length));
    ring.setAttribute('aria-valuenow', String(index + 1));
    items.forEach((item, i) => item.classList.toggle('done', i < index || stage === 'ready'));
    items.forEach((item, i) => item.classList.toggle('now', i === index && stage !== 'ready'));
    screen.stage = stage;
    document.getElementById('screen').dataset.stage = stage;
    if (index >= 0 && stage !== 'ready') stageText.textContent = `${STAGES[index].label}…`;
  };
  mark('checking');
  while (!stopped) {
    let reset;
    try {
      reset = await call('GET', `/resets/${encodeURIComponent(resetId)}`);
    } catch (error) {
      if (stopped) return;
      if (error instanceof OfflineError) {
        stageText.textContent = 'Waiting for a connection…';
        await sleep(POLL_MS * 2);
        continue;
      }
      if (error instanceof ApiError && error.status === 404)
        return problem('Reset not found', 'This reset is not for this phone, or it has expired.', [
          button('Back', () => void home()),
        ]);
      return void resetRefused(error);
    }
    if (stopped) return;
    mark(reset.stage);
    if (reset.stage === 'failed') {
      const failure = reset.failure ?? {};
      const title =
        failure.code === 'agent_offline' ? 'Your company’s reset service is offline' : 'The reset did not finish';
      return problem(title, failure.message ?? 'Your password was not changed.', [button('Back', () => void home())]);
    }
    if (reset.stage === 'ready') {
      if (!reset.sealedPassword)
        return problem(
          'Already shown',
          'This password was shown once and cannot be shown again. Reset again if you need a new one.',
          [button('Back', () => void home())],
        );
      let password;
      try {
        password = await openSealed(state.device.sealingKey, reset.sealedPassword, `reset:${resetId}`);
      } catch {
        return problem(
          'This phone cannot open the password',
          'It was not sealed to this phone’s key. Reset again, or ask your IT provider.',
          [button('Back', () => void home())],
        );
      }
      return passwordScreen(password, reset.mustChangeAtNextLogon !== false);
    }
    await sleep(POLL_MS);
  }
}

/** Groups of four for typing from the screen: the user reads "Kx7# p9Qe …" one group at a time. */
function grouped(password) {
  const groups = [];
  for (let i = 0; i < password.length; i += 4) groups.push(h('span', { class: 'group' }, password.slice(i, i + 4)));
  return groups;
}

function passwordScreen(password, mustChange) {
  const spelled = password.split('').join(' ');
  const value = h(
    'p',
    { class: 'password', id: 'password', 'aria-label': `One-time password: ${spelled}` },
    grouped(password),
  );
  const copyStatus = h('span', { class: 'copy-status', role: 'status' });
  const left = h('span', { id: 'hide-in' }, String(PASSWORD_VISIBLE_SECONDS));
  const bar = h('div', { class: 'bar-fill' });
  const copy = button(
    'Copy password',
    async () => {
      try {
        await navigator.clipboard.writeText(password);
        copyStatus.textContent = 'Copied';
      } catch {
        copyStatus.textContent = 'Copying is not allowed here: type it from the screen.';
      }
    },
    'secondary',
    { 'aria-label': 'Copy the password' },
  );
  const screen = show(
    'password',
    heading('Your one-time password'),
    h('div', { class: 'password-card' }, value),
    mustChange ? notice('You must change it at next sign-in.', 'info') : null,
    h('div', { class: 'actions' }, copy, copyStatus),
    h('div', { class: 'timer', 'aria-hidden': 'true' }, bar),
    h('p', { class: 'hint center' }, 'Hidden in ', left, ' seconds. It is not kept on this phone.'),
    h(
      'div',
      { class: 'actions' },
      button('Done', () => hiddenScreen(), 'quiet'),
    ),
  );
  const shownAt = Date.now();
  const timer = setInterval(() => {
    const remaining = PASSWORD_VISIBLE_SECONDS - (Date.now() - shownAt) / 1000;
    if (remaining <= 0) return hiddenScreen();
    left.textContent = String(Math.ceil(remaining));
    bar.style.width = `${(remaining / PASSWORD_VISIBLE_SECONDS) * 100}%`;
  }, 250);
  screen.onLeave(() => {
    clearInterval(timer);
    value.replaceChildren();
  });
}

function hiddenScreen() {
  show(
    'hidden',
    heading(
      'Password hidden',
      'For your safety it is not kept on this phone. If you did not write it down, reset again.',
    ),
    h(
      'div',
      { class: 'actions' },
      button('Back to home', () => void home()),
    ),
  );
}

function unpairScreen() {
  show(
    'unpair',
    heading('Unpair this phone?', 'You will not be able to reset your password from it until you pair it again.'),
    h(
      'div',
      { class: 'actions' },
      busyButton(
        'Unpair',
        async () => {
          try {
            await call('DELETE', '/devices/me');
          } catch (error) {
            if (handleCommon(error)) return;
            return problem('Not unpaired', error.message, [button('Back', () => void home())]);
          }
          await forgetDevice();
          forgetCredentials();
          state.device = null;
          state.me = null;
          setBrand(null);
          show(
            'unpaired',
            heading('This phone is unpaired', 'Its keys are deleted. To use Latchkey again, pair it with a new code.'),
            h(
              'div',
              { class: 'actions' },
              button('Pair again', () => startScreen(), 'secondary'),
            ),
          );
        },
        'danger',
      ),
      button('Cancel', () => void home(), 'secondary'),
    ),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Lockout: "Your account is locked", with Unlock Account and Reset Password. A push or a tap only opens this
// screen; each button asks for the fingerprint, face or PIN and signs a challenge bound to this very lockout.

const timeOf = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

async function openLockout(lockoutId) {
  let lockout;
  try {
    lockout = await call('GET', `/lockouts/${encodeURIComponent(lockoutId)}`);
  } catch (error) {
    if (handleCommon(error)) return;
    return problem('This lockout could not be opened', error.message, [button('Back', () => void home())]);
  }
  if (lockout.status !== 'open') return lockoutOver(lockout);
  lockoutScreen(lockout);
}

function lockoutScreen(lockout) {
  state.opened.add(lockout.id);
  const reset = () => lockoutAction('reset', lockout);
  // After repeated lockouts, Reset is the one way offered; Unlock stays visible, switched off, so the user sees why.
  const buttons = lockout.canUnlock
    ? [
        busyButton('Unlock Account', () => lockoutAction('unlock', lockout), 'hero'),
        busyButton('Reset Password', reset, 'secondary'),
      ]
    : [
        busyButton('Reset Password', reset, 'hero'),
        button('Unlock Account', undefined, 'secondary locked-out', { disabled: true, 'aria-disabled': 'true' }),
      ];
  show(
    'lockout',
    who(),
    heading('Your account is locked', `Locked at ${timeOf(lockout.lockedAt)} after too many wrong passwords.`),
    lockout.resetRecommended
      ? notice(
          'Your account was locked several times in a short while: someone may be guessing your password. Reset your password instead of unlocking.',
          'error',
        )
      : h('p', { class: 'hint' }, 'If it was you who mistyped, unlock it. If not, reset your password.'),
    h('div', { class: 'actions' }, buttons),
    lockout.unlocksAt
      ? h('p', { class: 'hint center' }, `Or wait: it unlocks by itself at ${timeOf(lockout.unlocksAt)}.`)
      : null,
    h(
      'div',
      { class: 'actions bottom' },
      button('Not now', () => void home(), 'quiet'),
    ),
  );
}

function lockoutOver(lockout) {
  const words = {
    unlocked: 'Your account is unlocked. You can sign in again.',
    reset: 'A new password was asked for, which also unlocks your account.',
    expired: 'The lock ended by itself. You can sign in again.',
    cleared: 'Your account was unlocked by your IT provider.',
  };
  show(
    'lockout-over',
    who(),
    heading(lockout.status === 'unlocked' ? 'Account unlocked' : 'Not locked any more'),
    h('p', {}, words[lockout.status] ?? 'This lockout is over.'),
    h(
      'div',
      { class: 'actions' },
      button('Done', () => void home()),
    ),
  );
}

/** The challenge, bound to the action and the lockout, approved by fingerprint, face or PIN, then sent. */
async function lockoutAction(action, lockout, message) {
  let challenge;
  try {
    challenge = await call('POST', '/challenges', { action, subject: lockout.id });
  } catch (error) {
    return lockoutRefused(error, lockout);
  }
  if (state.device.protection === 'pin') return lockoutPinScreen(action, lockout, challenge, message);
  let assertion;
  try {
    assertion = await webauthn().startAuthentication({ optionsJSON: challenge.webauthn });
  } catch {
    return problem('Not confirmed', 'Your fingerprint or face was not confirmed, so nothing was changed. Try again.', [
      button('Try again', () => void lockoutScreen(lockout)),
    ]);
  }
  await submitLockoutAction(action, lockout, challenge, { webauthn: assertion });
}

function lockoutPinScreen(action, lockout, challenge, message) {
  const status = h('p', { class: 'field-error', role: 'alert' }, message ?? '');
  const form = h(
    'form',
    {
      onsubmit: async (event) => {
        event.preventDefault();
        const pin = form.querySelector('#pin').value;
        if (!/^\d{4,8}$/.test(pin)) return void (status.textContent = 'Your PIN has 4 to 8 digits.');
        form.querySelector('button[type=submit]').disabled = true;
        await submitLockoutAction(action, lockout, challenge, { pin });
      },
    },
    ...pinField('pin', 'PIN'),
    status,
    h('button', { type: 'submit', class: 'button primary' }, 'Confirm'),
    button('Cancel', () => void lockoutScreen(lockout), 'secondary'),
  );
  const what = action === 'unlock' ? 'To unlock your account' : 'To reset your password';
  show('pin-entry', heading('Enter your PIN', `${what}, confirm it is you.`), form);
  form.querySelector('#pin').focus();
}

async function submitLockoutAction(action, lockout, challenge, proof) {
  let answer;
  try {
    const signature = await signAction(state.device.signingKey, {
      action,
      challengeId: challenge.challengeId,
      challenge: challenge.challenge,
      subject: lockout.id,
    });
    answer = await call('POST', `/lockouts/${encodeURIComponent(lockout.id)}/${action}`, {
      challengeId: challenge.challengeId,
      signature,
      ...proof,
    });
  } catch (error) {
    if (error instanceof ApiError && error.code === 'verification_failed' && state.device.protection === 'pin') {
      const left = error.body?.error?.details?.pinTriesLeft;
      const text =
        typeof left === 'number'
          ? `Wrong PIN. ${left} ${left === 1 ? 'try' : 'tries'} left before this phone is unpaired.`
          : 'Wrong PIN. Try again.';
      return lockoutAction(action, lockout, text);
    }
    return lockoutRefused(error, lockout);
  }
  if (action === 'reset') return followReset(answer.resetId);
  lockoutOver({ ...lockout, status: 'unlocked' });
}

function lockoutRefused(error, lockout) {
  if (handleCommon(error)) return;
  const back = [button('Back', () => void lockoutScreen(lockout)), button('Home', () => void home(), 'secondary')];
  if (!(error instanceof ApiError)) return problem('Something went wrong', 'Nothing was changed. Try again.', back);
  if (error.code === 'rate_limited')
    return problem(
      'Too many unlocks',
      `${error.message} You can try again ${retryText(error.retryAfterSeconds)}.`,
      back,
    );
  if (error.code === 'agent_offline') return problem('Your company’s reset service is offline', error.message, back);
  return problem('Not done', error.message, back);
}

/** What a lost push would have said: a lockout still open opens its screen. */
async function checkLockouts() {
  let answer;
  try {
    answer = await call('GET', '/lockouts/pending');
  } catch {
    return false;
  }
  const open = (answer?.items ?? []).find((item) => !state.opened.has(item.id));
  if (!open || document.getElementById('screen').dataset.screen !== 'home') return false;
  lockoutScreen(open);
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Start

function takeToken() {
  if (!location.pathname.startsWith('/app/pair')) return null;
  const token = new URLSearchParams(location.hash.slice(1)).get('t');
  // Out of the address bar, the history and any screenshot of it; it was never sent to the server in a URL.
  history.replaceState(null, '', location.pathname);
  return token;
}

async function route() {
  const token = takeToken();
  if (token) return redeem(token);
  state.device = (await loadDevice().catch(() => undefined)) ?? null;
  if (state.device) {
    useDevice(state.device.deviceId, state.device.deviceSecret);
    const reset = /^#\/reset\/([\w-]+)$/.exec(location.hash);
    if (reset) {
      history.replaceState(null, '', '/app/');
      return followReset(reset[1]);
    }
    const lockout = /^#\/lockout\/([\w-]+)$/.exec(location.hash);
    if (lockout) {
      history.replaceState(null, '', '/app/');
      return openLockout(lockout[1]);
    }
    return home();
  }
  // The installed iOS app, opened from the Home Screen with the pairing cookie Safari set when it redeemed.
  try {
    const pairing = await call('GET', '/pairings/current');
    if (pairing?.pairingId) {
      state.pairing = pairing;
      usePairing(pairing.pairingId, null);
      setBrand(pairing.mspName);
      return welcomeScreen();
    }
  } catch {
    // No pairing under way: start from the scanner.
  }
  startScreen();
}

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch(() => undefined);
  // A tap on a notification while the app is open: the worker asks the page to go to the reset.
  navigator.serviceWorker.addEventListener('message', (event) => {
    const id = event.data?.type === 'open-reset' ? event.data.id : null;
    if (id && state.device) void followReset(id);
    const lockoutId = event.data?.type === 'open-lockout' ? event.data.id : null;
    if (lockoutId && state.device) void openLockout(lockoutId);
  });
}
window.addEventListener('hashchange', () => {
  // Another pairing link opened in this same tab changes only the fragment.
  const token = takeToken();
  if (token) return void redeem(token);
  const reset = /^#\/reset\/([\w-]+)$/.exec(location.hash);
  if (reset && state.device) {
    history.replaceState(null, '', '/app/');
    void followReset(reset[1]);
  }
  const lockout = /^#\/lockout\/([\w-]+)$/.exec(location.hash);
  if (lockout && state.device) {
    history.replaceState(null, '', '/app/');
    void openLockout(lockout[1]);
  }
});
document.addEventListener('visibilitychange', () => {
  if (
    document.visibilityState === 'visible' &&
    state.device &&
    document.getElementById('screen').dataset.screen === 'home'
  )
    void checkEvents();
});

void route();
