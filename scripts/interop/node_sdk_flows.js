#!/usr/bin/env node
// Interop flows: the official Okta Node.js SDK (@okta/okta-sdk-nodejs) against
// `okta-contract serve`. Usage: node node_sdk_flows.js ORG_URL API_TOKEN [-v]
//
// Prints one line per step (`PASS name` / `FAIL name: why`) and `N passed, N failed`; exits 1
// when a step failed. Known SDK bugs are worked around where they occur (comments `SDK BUG:`,
// listed in the README, "What the official SDKs get wrong").
'use strict';

const path = require('path');
const sdkDir = process.env.OKTA_NODE_SDK_DIR;
const okta = require(sdkDir ? path.join(sdkDir, 'node_modules', '@okta', 'okta-sdk-nodejs') : '@okta/okta-sdk-nodejs');

const [orgUrl, token] = process.argv.slice(2);
const verbose = process.argv.includes('-v');
const EVERYONE = '00gsimeveryone000001';
const results = [];

function check(cond, why) {
  if (!cond) throw new Error(why);
}

async function step(name, fn) {
  try {
    await fn();
    results.push(true);
    console.log(`PASS ${name}`);
  } catch (e) {
    results.push(false);
    const first = String((e && e.message) || e).split('\n')[0].slice(0, 300);
    console.log(`FAIL ${name}: ${e && e.constructor ? e.constructor.name : 'Error'}: ${first}`);
    if (verbose) console.log(e && e.stack);
  }
}

const unique = (p) => `interop-node-${p}-${Math.random().toString(16).slice(2, 10)}`;

function policyBody(type, name) {
  const body = { type, status: 'INACTIVE', name, description: 'interop' };
  if (type === 'OKTA_SIGN_ON' || type === 'MFA_ENROLL') {
    body.conditions = { people: { groups: { include: [EVERYONE] } } };
  }
  if (type === 'PASSWORD') {
    body.conditions = { people: { groups: { include: [EVERYONE] } }, authProvider: { provider: 'OKTA' } };
  }
  return body;
}

const CLASSIC = { people: { users: { exclude: [] } }, network: { connection: 'ANYWHERE' } };

function ruleBody(type, name) {
  switch (type) {
    case 'OKTA_SIGN_ON':
      return { type: 'SIGN_ON', name, conditions: { ...CLASSIC, authContext: { authType: 'ANY' } },
        actions: { signon: { access: 'ALLOW', requireFactor: false, rememberDeviceByDefault: false,
          session: { usePersistentCookie: false, maxSessionIdleMinutes: 120, maxSessionLifetimeMinutes: 0 } } } };
    case 'PASSWORD':
      return { type, name, conditions: CLASSIC, actions: { passwordChange: { access: 'ALLOW' },
        selfServicePasswordReset: { access: 'ALLOW' }, selfServiceUnlock: { access: 'DENY' } } };
    case 'MFA_ENROLL':
      return { type, name, conditions: CLASSIC, actions: { enroll: { self: 'CHALLENGE' } } };
    case 'ACCESS_POLICY':
      return { type, name, actions: { appSignOn: { access: 'ALLOW', verificationMethod: {
        factorMode: '2FA', type: 'ASSURANCE', reauthenticateIn: 'PT2H',
        constraints: [{ knowledge: { types: ['password'] } }] } } } };
    case 'PROFILE_ENROLLMENT':
      return { type, name, actions: { profileEnrollment: { access: 'ALLOW', preRegistrationInlineHooks: [],
        profileAttributes: [{ name: 'email', label: 'Email', required: true }], targetGroupIds: [],
        unknownUserAction: 'DENY', activationRequirements: { emailVerification: true } } } };
    case 'DEVICE_SIGNAL_COLLECTION':
      return { type, name, actions: { deviceSignalCollection: { deviceContextProviders: [
        { key: 'OKTA_VERIFY', userIdentification: 'IGNORE' }] } },
        conditions: { platform: { include: [{ type: 'DESKTOP', os: { type: 'MACOS' } }] } } };
    default:
      throw new Error(`no rule body for ${type}`);
  }
}

const ALL_TYPES = ['OKTA_SIGN_ON', 'PASSWORD', 'MFA_ENROLL', 'IDP_DISCOVERY', 'ACCESS_POLICY',
  'PROFILE_ENROLLMENT', 'POST_AUTH_SESSION', 'ENTITY_RISK', 'SESSION_VIOLATION_DETECTION',
  'DEVICE_SIGNAL_COLLECTION'];
const CRUD_TYPES = ['OKTA_SIGN_ON', 'PASSWORD', 'MFA_ENROLL', 'ACCESS_POLICY', 'PROFILE_ENROLLMENT',
  'DEVICE_SIGNAL_COLLECTION'];

async function collect(collection) {
  const out = [];
  for await (const item of collection) out.push(item);
  return out;
}

async function expectStatus(promise, status, code) {
  try {
    await promise;
  } catch (e) {
    check(e.status === status, `status ${e.status}, expected ${status}: ${e.message}`);
    if (code) {
      check(e.errorCode === code, `errorCode ${e.errorCode}`);
      check(e.errorSummary, 'no errorSummary');
      check(e.errorId, 'no errorId');
      check(e.errorLink, 'no errorLink');
      check(Array.isArray(e.errorCauses), 'errorCauses not an array');
    }
    return e;
  }
  throw new Error(`no error, expected ${status}`);
}

async function main() {
  if (!orgUrl || !token) {
    console.error('usage: node_sdk_flows.js ORG_URL API_TOKEN');
    process.exit(2);
  }
  const client = new okta.Client({ orgUrl, token, maxRetries: 0 });
  const policies = client.policyApi;
  const devices = client.deviceApi;

  for (const type of ALL_TYPES) {
    await step(`list policies type=${type}`, async () => {
      const list = await collect(await policies.listPolicies({ type }));
      for (const p of list) check(p.type === type, `a ${p.type} policy in the ${type} list`);
    });
  }

  for (const type of CRUD_TYPES) {
    await step(`policy create/get/replace/activate/deactivate/delete ${type}`, async () => {
      const name = unique(type.toLowerCase());
      const created = await policies.createPolicy({ policy: policyBody(type, name), activate: false });
      check(created.name === name && created.type === type, 'created policy differs');
      const id = created.id;
      try {
        const got = await policies.getPolicy({ policyId: id });
        check(got.status === 'INACTIVE', `get: ${got.status}`);
        const replaced = await policies.replacePolicy({ policyId: id, policy: policyBody(type, `${name}-renamed`) });
        check(replaced.name === `${name}-renamed`, 'replace did not rename');
        await policies.activatePolicy({ policyId: id });
        check((await policies.getPolicy({ policyId: id })).status === 'ACTIVE', 'not ACTIVE');
        await policies.deactivatePolicy({ policyId: id });
        check((await policies.getPolicy({ policyId: id })).status === 'INACTIVE', 'not INACTIVE');
      } finally {
        await policies.deletePolicy({ policyId: id });
      }
      await expectStatus(policies.getPolicy({ policyId: id }), 404, 'E0000007');
    });
    await step(`rule create/get/list/replace/deactivate/activate/delete ${type}`, async () => {
      const name = unique(type.toLowerCase());
      const created = await policies.createPolicy({ policy: policyBody(type, name), activate: false });
      const id = created.id;
      try {
        const rule = await policies.createPolicyRule({ policyId: id, policyRule: ruleBody(type, `rule-${name}`) });
        const got = await policies.getPolicyRule({ policyId: id, ruleId: rule.id });
        check(got.id === rule.id, 'get rule returned another id');
        const rules = await collect(await policies.listPolicyRules({ policyId: id }));
        check(rules.some((r) => r.id === rule.id), 'rule not listed');
        const replaced = await policies.replacePolicyRule({ policyId: id, ruleId: rule.id,
          policyRule: ruleBody(type, `rule-${name}-renamed`) });
        check(replaced.name.endsWith('-renamed'), 'replace did not rename the rule');
        await policies.deactivatePolicyRule({ policyId: id, ruleId: rule.id });
        check((await policies.getPolicyRule({ policyId: id, ruleId: rule.id })).status === 'INACTIVE', 'not INACTIVE');
        await policies.activatePolicyRule({ policyId: id, ruleId: rule.id });
        await policies.deletePolicyRule({ policyId: id, ruleId: rule.id });
      } finally {
        await policies.deletePolicy({ policyId: id });
      }
    });
  }

  await step('mappings map/list/get/delete', async () => {
    const dsc = await policies.createPolicy({ policy: policyBody('DEVICE_SIGNAL_COLLECTION', unique('dsc')), activate: false });
    const acc = await policies.createPolicy({ policy: policyBody('ACCESS_POLICY', unique('acc')), activate: false });
    try {
      const mapping = await policies.mapResourceToPolicy({ policyId: dsc.id,
        policyMappingRequest: { resourceId: acc.id, resourceType: 'ACCESS_POLICY' } });
      const listed = await collect(await policies.listPolicyMappings({ policyId: dsc.id }));
      check(listed.some((m) => m.id === mapping.id), 'mapping not listed');
      const got = await policies.getPolicyMapping({ policyId: dsc.id, mappingId: mapping.id });
      check(got.id === mapping.id, 'get mapping returned another id');
      await policies.deletePolicyResourceMapping({ policyId: dsc.id, mappingId: mapping.id });
    } finally {
      await policies.deletePolicy({ policyId: dsc.id });
      await policies.deletePolicy({ policyId: acc.id });
    }
  });

  await step('devices: Collection pagination over Link rel=next', async () => {
    const all = await collect(await devices.listDevices({ limit: 20 }));
    const ids = new Set(all.map((d) => d.id));
    check(ids.size === all.length, 'a device was listed twice');
    check(all.length > 40, `only ${all.length} devices over all pages`);
  });

  await step('device lifecycle suspend/unsuspend/activate(ACTIVE)/deactivate/delete', async () => {
    const [first] = await collect(await devices.listDevices({ limit: 1, search: 'status eq "ACTIVE"' }));
    check(first, 'no ACTIVE device');
    const deviceId = first.id;
    for (const [action, expected] of [['suspendDevice', 'SUSPENDED'], ['unsuspendDevice', 'ACTIVE'],
      ['activateDevice', 'ACTIVE'], ['deactivateDevice', 'DEACTIVATED']]) {
      await devices[action]({ deviceId });
      const got = await devices.getDevice({ deviceId });
      check(got.status === expected, `after ${action}: ${got.status}`);
    }
    await devices.deleteDevice({ deviceId });
    await expectStatus(devices.getDevice({ deviceId }), 404, 'E0000007');
  });

  await step('error bodies 404/400/401', async () => {
    await expectStatus(policies.getPolicy({ policyId: '00pdoesnotexist00000' }), 404, 'E0000007');
    await expectStatus(policies.createPolicy({ policy: { type: 'PASSWORD', name: '' } }), 400, 'E0000001');
    const bad = new okta.Client({ orgUrl, token: 'not-a-valid-token', maxRetries: 0 });
    await expectStatus(bad.policyApi.getPolicy({ policyId: '00pdoesnotexist00000' }), 401, 'E0000011');
  });

  const passed = results.filter(Boolean).length;
  const failed = results.length - passed;
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
