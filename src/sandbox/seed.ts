/**
 * Deterministic seeded data. Leads and activities are pure functions of (seed, id/day), so the store
 * can serve millions of them without holding them: it only keeps an overlay of changes. Values
 * deliberately include what breaks naive CSV/JSON handling: commas, double quotes, CR/LF, tabs,
 * U+2028, accents, CJK, empty values and duplicate emails (every 50th lead repeats its
 * predecessor's email, so updates by email hit 1007).
 */
import type { ActivityRow, ChangedField, LeadRow, StaticListRow } from './types.js';
import { formatDateTime } from './values.js';

const DAY = 86_400_000;
/** Leads were created over the year before the data epoch; activities cover the last 90 days. */
export const LEAD_HISTORY_MS = 365 * DAY;
export const ACTIVITY_DAYS = 90;
/** Every DUP_EVERY-th seeded lead shares its predecessor's email. */
export const DUP_EVERY = 50;

/** A 32-bit hash of integers (murmur3 finalizer), the root of every seeded choice. */
export function hash(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** mulberry32: a small deterministic PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

// [display, ascii for the email]
const FIRST: readonly [string, string][] = [
  ['John', 'john'],
  ['Mary', 'mary'],
  ['José', 'jose'],
  ['Zoë', 'zoe'],
  ['François', 'francois'],
  ['Björn', 'bjorn'],
  ['Ana María', 'anamaria'],
  ['陽翔', 'haruto'],
  ['美咲', 'misaki'],
  ['伟', 'wei'],
  ['Siobhán', 'siobhan'],
  ['Łukasz', 'lukasz'],
  ['Chloé', 'chloe'],
  ['Emily', 'emily'],
  ['Mohammed', 'mohammed'],
  ['Priya', 'priya'],
  ['Olusegun', 'olusegun'],
  ['Brian', 'brian'],
];
const LAST: readonly [string, string][] = [
  ['Smith', 'smith'],
  ['García', 'garcia'],
  ["O'Brien", 'obrien'],
  ['Müller', 'muller'],
  ['van der Berg', 'vanderberg'],
  ['Doe, Jr.', 'doe'],
  ['"The Rock" Johnson', 'johnson'],
  ['山田', 'yamada'],
  ['王', 'wang'],
  ['Nguyễn', 'nguyen'],
  ['Kowalski', 'kowalski'],
  ['Søndergaard', 'sondergaard'],
  ['Okafor', 'okafor'],
  ['Leonard', 'leonard'],
];
const DOMAINS = [
  'example.com',
  'acme.test',
  'globex.example',
  'initech.example',
  'mail.example.org',
];
const COMPANIES = [
  'Acme, Inc.',
  'Globex "International"',
  'Initech',
  'Umbrella Corp',
  'Société Générale',
  '株式会社サンプル',
  'Stark; Industries',
  'Wayne\tEnterprises',
  '',
];
const TITLES = ['CEO', 'VP\u2028Marketing', 'Engineer', 'Directeur général', 'Analyst, Sr.', ''];
const CITIES: readonly [string, string, string][] = [
  ['Chicago', 'IL', 'USA'],
  ['San José', 'CA', 'USA'],
  ['Paris', 'Île-de-France', 'France'],
  ['München', 'Bayern', 'Germany'],
  ['東京', 'Tokyo', 'Japan'],
  ['Ciudad de México', 'CDMX', 'Mexico'],
  ['Toronto', 'ON', 'Canada'],
];
const INDUSTRIES = ['Software', 'Manufacturing', 'Retail', 'Healthcare', 'Education', 'Finance'];
const SOURCES = ['Website', 'Trade Show', 'Webinar', 'Partner', 'List Import'];
const STATUSES = ['Open', 'Contacted', 'Qualified', 'Unqualified', 'Nurture'];
const TIERS = ['Gold', 'Silver', 'Bronze', 'Platinum, Elite'];
const NOTES = [
  'Line one\r\nLine two, with a comma',
  'He said "hello", then left',
  'Unicode line\u2028separator inside',
  'Tab\tseparated; and semicolon',
  'Multi\nline\nnote',
  'Plain note',
  'Emoji 🚀 and café',
  '',
];

export interface SeedShape {
  seed: number;
  /** Number of seeded leads (ids 1..leadCount). */
  leadCount: number;
  /** End of seeded history (epoch ms, UTC midnight). */
  epoch: number;
}

/** createdAt of seeded lead `id`: increasing with id, spread over the year before the epoch. */
export function seededCreatedAt(shape: SeedShape, id: number): number {
  const slot = LEAD_HISTORY_MS / Math.max(1, shape.leadCount);
  const start = shape.epoch - LEAD_HISTORY_MS;
  return Math.floor(start + (id - 1) * slot + (hash(shape.seed, id, 7) / 4294967296) * slot * 0.9);
}

/** Email of seeded lead `id` (duplicates and mixed case included); `<local>.<n>@<domain>`. */
export function seededEmail(shape: SeedShape, id: number): string {
  const owner = id % DUP_EVERY === 0 && id > 1 ? id - 1 : id;
  const rand = prng(hash(shape.seed, owner, 1));
  const [, first] = pick(rand, FIRST);
  const [, last] = pick(rand, LAST);
  const domain = pick(rand, DOMAINS);
  const email = `${first}.${last}.${owner}@${domain}`;
  return owner % 13 === 0 ? email.charAt(0).toUpperCase() + email.slice(1) : email;
}

/** Seeded lead ids that may carry `email` (lower-cased), derived from its `.<n>@` part. */
export function seededIdsForEmail(shape: SeedShape, emailLower: string): number[] {
  const m = /\.(\d+)@[^@]+$/.exec(emailLower);
  if (!m) return [];
  const owner = Number(m[1]);
  const ids = [owner, owner + 1].filter((id) => id >= 1 && id <= shape.leadCount);
  return ids.filter((id) => seededEmail(shape, id).toLowerCase() === emailLower);
}

/** The seeded lead `id` (1..leadCount). Empty fields are omitted (read as null); booleans set. */
export function seededLead(shape: SeedShape, id: number): LeadRow {
  const rand = prng(hash(shape.seed, id, 2));
  const ownerRand = prng(hash(shape.seed, id % DUP_EVERY === 0 && id > 1 ? id - 1 : id, 1));
  const [firstName] = pick(ownerRand, FIRST);
  const [lastName] = pick(ownerRand, LAST);
  const createdMs = seededCreatedAt(shape, id);
  const email = seededEmail(shape, id);
  const updatedMs = createdMs + Math.floor(rand() * (shape.epoch - createdMs));
  const [city, state, country] = pick(rand, CITIES);
  const row: LeadRow = {
    id,
    firstName,
    email,
    createdAt: formatDateTime(createdMs),
    updatedAt: formatDateTime(updatedMs),
    leadPartitionId: id % 20 === 7 ? 2 : 1,
    unsubscribed: rand() < 0.05,
    emailInvalid: rand() < 0.02,
    doNotCall: rand() < 0.1,
    boolean_field: rand() < 0.5,
    mktoIsPartner: false,
    mktoIsCustomer: rand() < 0.3,
    isLead: true,
    isAnonymous: false,
    marketingSuspended: false,
    emailSuspended: false,
    mktoName: '',
  };
  // Some leads have no last name (explicit null on reads).
  if (id % 11 !== 0) row.lastName = lastName;
  row.mktoName = [firstName, row.lastName].filter(Boolean).join(' ');
  const company = pick(rand, COMPANIES);
  if (company) row.company = company;
  const title = pick(rand, TITLES);
  if (title) row.title = title;
  row.city = city;
  row.state = state;
  row.country = country;
  row.postalCode = String(10000 + (hash(shape.seed, id, 3) % 89999));
  if (rand() < 0.7) row.address = `${1 + (id % 999)} Main St.\nSuite ${id % 50}`;
  row.phone = `+1 (312) 555-${String(id % 10000).padStart(4, '0')}`;
  row.industry = pick(rand, INDUSTRIES);
  row.numberOfEmployees = 1 + Math.floor(rand() * 5000);
  row.annualRevenue = Math.round(rand() * 1e8) / 100;
  row.leadSource = pick(rand, SOURCES);
  row.leadStatus = pick(rand, STATUSES);
  row.leadScore = Math.floor(rand() * 100);
  row.website = `https://www.${email.slice(email.indexOf('@') + 1)}`;
  const note = pick(rand, NOTES);
  if (note) row.textarea_field = note;
  if (rand() < 0.8) row.integer_field = Math.floor(rand() * 1000) - 100;
  if (rand() < 0.8) row.float_field = Math.round(rand() * 100_000) / 100;
  if (rand() < 0.6) row.datetime_field = formatDateTime(createdMs + Math.floor(rand() * 30 * DAY));
  if (rand() < 0.6) {
    const d = new Date(
      Date.UTC(
        1950 + Math.floor(rand() * 50),
        Math.floor(rand() * 12),
        1 + Math.floor(rand() * 28),
      ),
    );
    row.dateOfBirth = d.toISOString().slice(0, 10);
    row.date_field = row.dateOfBirth;
  }
  row.score_field = Math.floor(rand() * 100);
  row.percent_field = Math.floor(rand() * 101);
  row.currency_field = Math.round(rand() * 1e6) / 100;
  if (rand() < 0.5) row.email_field = `alt.${id}@example.net`;
  row.customString__c = `CS-${id % 500}`;
  row.accountTier__c = pick(rand, TIERS);
  row.acquisitionProgramId = 1001 + (id % 5);
  row.mktoAcquisitionDate = row.createdAt;
  row.originalSourceType = 'Web page visit';
  if (id % 3 === 0) row.cookies = `id:123-ABC-456&token:_mch-example.com-${createdMs}-${id}`;
  return row;
}

// ---- programs, lists, campaigns, smart lists ----

export interface ProgramRow {
  id: number;
  name: string;
  workspaceName: string;
}

export const WORKSPACES = [
  { id: 1, name: 'Default' },
  { id: 2, name: 'Europe' },
];

export const PARTITIONS = [
  { id: 1, name: 'Default', description: 'Initial system lead partition' },
  { id: 2, name: 'Mexico', description: 'Leads that live in Mexico' },
];

export const PROGRAMS: readonly ProgramRow[] = [
  { id: 1001, name: 'API Test Program', workspaceName: 'Default' },
  { id: 1002, name: 'Webinar 2026', workspaceName: 'Default' },
  { id: 1003, name: 'Nurture, Q3 "Core"', workspaceName: 'Default' },
  { id: 1004, name: 'EMEA Launch', workspaceName: 'Europe' },
  { id: 1005, name: 'Trade Show 2026', workspaceName: 'Default' },
];

export interface SeededList {
  row: StaticListRow;
  /** Members are leads with `(id - offset) % stride === 0`, at most `cap` of them. */
  stride: number;
  offset: number;
  cap: number;
}

const LIST_NAMES = [
  'Lions',
  'Newsletter Subscribers',
  'Webinar Attendees',
  'VIP, Customers',
  'Trade Show "Booth" Visitors',
  'Clientes México',
  'Empty List',
  'Partners',
  'Churn Risk',
  '見込み客',
];

export function seededLists(shape: SeedShape): SeededList[] {
  const lists: SeededList[] = [];
  for (let i = 0; i < 30; i++) {
    const rand = prng(hash(shape.seed, 5000 + i));
    const program = i % 3 === 0 ? PROGRAMS[i % PROGRAMS.length] : undefined;
    const base = LIST_NAMES[i % LIST_NAMES.length] as string;
    const name = i < LIST_NAMES.length ? base : `${base} ${Math.floor(i / LIST_NAMES.length) + 1}`;
    const workspaceName = program?.workspaceName ?? (i % 7 === 6 ? 'Europe' : 'Default');
    const created = shape.epoch - LEAD_HISTORY_MS + Math.floor(rand() * LEAD_HISTORY_MS);
    const updated = created + Math.floor(rand() * (shape.epoch - created));
    const empty = base === 'Empty List';
    lists.push({
      row: {
        id: 1001 + i,
        name,
        ...(i % 2 === 0 && { description: `Seeded list #${i + 1}` }),
        ...(program && { programName: program.name }),
        workspaceId: workspaceName === 'Europe' ? 2 : 1,
        workspaceName,
        createdAt: formatDateTime(created),
        updatedAt: formatDateTime(updated),
      },
      stride: [1, 2, 3, 7, 10, 25, 50, 100, 500][i % 9] as number,
      offset: i % 5,
      cap: empty ? 0 : ([5, 300, 1000, 2500, 40, 100_000][i % 6] as number),
    });
  }
  // One list of every lead (cap 20 000): with 10 000 leads or more it crosses the 10,000-member
  // line past which Marketo refuses `listId` on activity calls (from 30 September 2026).
  const rand = prng(hash(shape.seed, 5999));
  const created = shape.epoch - LEAD_HISTORY_MS + Math.floor(rand() * LEAD_HISTORY_MS);
  lists.push({
    row: {
      id: 1031,
      name: 'All Leads (large)',
      workspaceId: 1,
      workspaceName: 'Default',
      createdAt: formatDateTime(created),
      updatedAt: formatDateTime(created + Math.floor(rand() * (shape.epoch - created))),
    },
    stride: 1,
    offset: 0,
    cap: 20_000,
  });
  return lists;
}

export interface CampaignRow {
  id: number;
  name: string;
  description?: string;
  type: 'batch' | 'trigger';
  programName?: string;
  programId?: number;
  workspaceName: string;
  createdAt: string;
  updatedAt: string;
  active: boolean;
  /** Has a "Campaign is Requested: Web Service API" trigger (not on the wire; Asset API only). */
  requestable: boolean;
}

// [name, type, active, requestable, program index or -1]
const CAMPAIGNS: [string, 'batch' | 'trigger', boolean, boolean, number][] = [
  ['Test Smart Campaign', 'batch', false, false, 0],
  ['Welcome Email (API)', 'trigger', true, true, 0],
  ['Score Update (API)', 'trigger', true, true, 2],
  ['Inactive Requested Campaign', 'trigger', false, true, 1],
  ['Form Fill Trigger', 'trigger', true, false, -1],
  ['Monthly Newsletter', 'batch', false, false, 1],
  ['Webinar Reminder', 'batch', true, false, 1],
  ['EMEA Follow-up, "Wave 1"', 'batch', false, false, 3],
  ['Data Cleanup', 'batch', false, false, -1],
  ['Sales Alert (API)', 'trigger', true, true, -1],
];

export function seededCampaigns(shape: SeedShape): CampaignRow[] {
  return CAMPAIGNS.map(([name, type, active, requestable, p], i) => {
    const rand = prng(hash(shape.seed, 6000 + i));
    const program = p >= 0 ? PROGRAMS[p] : undefined;
    const created = shape.epoch - LEAD_HISTORY_MS + Math.floor(rand() * LEAD_HISTORY_MS);
    return {
      id: 1101 + i,
      name,
      ...(i % 2 === 0 && { description: `Description of ${name}` }),
      type,
      ...(program && { programName: program.name, programId: program.id }),
      workspaceName: program?.workspaceName ?? 'Default',
      createdAt: formatDateTime(created),
      updatedAt: formatDateTime(created + Math.floor(rand() * (shape.epoch - created))),
      active,
      requestable,
    };
  });
}

export interface SmartListDef {
  id: number;
  name: string;
  matches(lead: LeadRow): boolean;
}

export const SMART_LISTS: readonly SmartListDef[] = [
  { id: 2001, name: 'All People', matches: () => true },
  { id: 2002, name: 'Unsubscribed', matches: (l) => l.unsubscribed === true },
  {
    id: 2003,
    name: 'High Score',
    matches: (l) => typeof l.leadScore === 'number' && l.leadScore >= 90,
  },
  { id: 2004, name: 'France', matches: (l) => l.country === 'France' },
];

// ---- activities ----

export interface ActivityTypeDef {
  id: number;
  name: string;
  description: string;
  primaryAttribute?: { name: string; dataType: string };
  attributes: { name: string; dataType: string }[];
}

/** The types seeded history is drawn from (adding one would change every seeded day). */
const SEEDED_ACTIVITY_TYPES: readonly ActivityTypeDef[] = [
  {
    id: 1,
    name: 'Visit Webpage',
    description: 'User visits a web page',
    primaryAttribute: { name: 'Webpage ID', dataType: 'integer' },
    attributes: [
      { name: 'Webpage URL', dataType: 'string' },
      { name: 'Query Parameters', dataType: 'string' },
    ],
  },
  {
    id: 2,
    name: 'Fill Out Form',
    description: 'User fills out and submits form on web page',
    primaryAttribute: { name: 'Webform ID', dataType: 'integer' },
    attributes: [{ name: 'Form Fields', dataType: 'text' }],
  },
  {
    id: 6,
    name: 'Send Email',
    description: 'Send Marketo Email to a person',
    primaryAttribute: { name: 'Mailing ID', dataType: 'integer' },
    attributes: [{ name: 'Campaign Run ID', dataType: 'integer' }],
  },
  {
    id: 7,
    name: 'Email Delivered',
    description: 'Marketo Email is delivered to a person',
    primaryAttribute: { name: 'Mailing ID', dataType: 'integer' },
    attributes: [{ name: 'Step ID', dataType: 'integer' }],
  },
  {
    id: 9,
    name: 'Unsubscribe Email',
    description: 'Person unsubscribes from Marketo Emails',
    primaryAttribute: { name: 'Mailing ID', dataType: 'integer' },
    attributes: [{ name: 'Client IP Address', dataType: 'string' }],
  },
  {
    id: 12,
    name: 'New Lead',
    description: 'New person',
    attributes: [{ name: 'Source Type', dataType: 'string' }],
  },
  {
    id: 13,
    name: 'Change Data Value',
    description: 'Changed attribute value for a person',
    primaryAttribute: { name: 'Attribute Name', dataType: 'integer' },
    attributes: [
      { name: 'New Value', dataType: 'string' },
      { name: 'Old Value', dataType: 'string' },
      { name: 'Reason', dataType: 'string' },
    ],
  },
  {
    id: 24,
    name: 'Add to List',
    description: 'Person added to a list',
    primaryAttribute: { name: 'List ID', dataType: 'integer' },
    attributes: [{ name: 'Source', dataType: 'string' }],
  },
  {
    id: 25,
    name: 'Remove from List',
    description: 'Person removed from a list',
    primaryAttribute: { name: 'List ID', dataType: 'integer' },
    attributes: [{ name: 'Source', dataType: 'string' }],
  },
  {
    id: 37,
    name: 'Delete Lead',
    description: 'Delete a lead',
    attributes: [{ name: 'Remove from CRM', dataType: 'boolean' }],
  },
  {
    id: 104,
    name: 'Change Status in Progression',
    description: 'Change a program status',
    primaryAttribute: { name: 'Program ID', dataType: 'integer' },
    attributes: [
      { name: 'New Status', dataType: 'string' },
      { name: 'Old Status', dataType: 'string' },
      { name: 'Success', dataType: 'boolean' },
    ],
  },
];

/** Every type types.json lists: the seeded ones plus those only the API causes (§5.7 ids). */
export const ACTIVITY_TYPES: readonly ActivityTypeDef[] = [
  ...SEEDED_ACTIVITY_TYPES,
  {
    id: 47,
    name: 'Request Campaign',
    description: 'Request a campaign for a person',
    primaryAttribute: { name: 'Campaign ID', dataType: 'integer' },
    attributes: [{ name: 'Source', dataType: 'string' }],
  },
];

const PAGES = ['/pricing', '/blog/über-uns', '/contact?utm=a,b', '/docs/"quoted"', '/ja/製品'];

/** Seeded activities of day `day` (0 = ACTIVITY_DAYS days before the epoch), in date order. */
export function seededActivitiesOfDay(shape: SeedShape, day: number): ActivityRow[] {
  const dayStart = shape.epoch - (ACTIVITY_DAYS - day) * DAY;
  const perDay = Math.max(20, Math.min(900_000, Math.round(shape.leadCount * 0.02)));
  const rand = prng(hash(shape.seed, 9000 + day));
  const count = Math.floor(perDay * (0.75 + rand() * 0.5));
  const slot = DAY / Math.max(1, count);
  const leadStart = shape.epoch - LEAD_HISTORY_MS;
  const leadSlot = LEAD_HISTORY_MS / Math.max(1, shape.leadCount);
  const rows: ActivityRow[] = [];
  for (let j = 0; j < count; j++) {
    const at = Math.floor(dayStart + j * slot + rand() * slot);
    // Only leads that existed at `at` (createdAt ≤ leadStart + id * leadSlot).
    const maxId = Math.min(shape.leadCount, Math.floor((at - leadStart) / leadSlot) - 1);
    if (maxId < 1) continue;
    const leadId = 1 + Math.floor(rand() * maxId);
    const type = SEEDED_ACTIVITY_TYPES[
      Math.floor(rand() * SEEDED_ACTIVITY_TYPES.length)
    ] as ActivityTypeDef;
    if (type.id === 37) continue; // Delete Lead only happens through the API.
    const guid = String(day * 1_000_000 + j + 1);
    rows.push(activity(shape, rand, type, guid, leadId, at));
  }
  return rows;
}

function activity(
  shape: SeedShape,
  rand: () => number,
  type: ActivityTypeDef,
  guid: string,
  leadId: number,
  at: number,
): ActivityRow {
  let campaignId: number | null = rand() < 0.6 ? 1101 + Math.floor(rand() * 10) : null;
  let id: number | null;
  let value: string | null;
  let attributes: Record<string, unknown>;
  let fields: ChangedField[] | undefined;
  switch (type.id) {
    case 1: {
      const page = pick(rand, PAGES);
      campaignId = null;
      id = 100 + PAGES.indexOf(page);
      value = page;
      attributes = { 'Webpage URL': page, 'Query Parameters': '' };
      break;
    }
    case 2:
      id = 3001;
      value = 'API Test Program.Form, "Main"';
      attributes = { 'Form Fields': 'a:1:{s:5:"email";}\nline2' };
      break;
    case 13:
      id = 145;
      value = 'Lead Status';
      attributes = { 'New Value': 'Qualified', 'Old Value': 'Open', Reason: 'Changed by, "rule"' };
      fields = [{ id, name: 'leadStatus', newValue: 'Qualified', oldValue: 'Open' }];
      break;
    case 24:
    case 25:
      id = 1001 + (hash(shape.seed, leadId) % 30);
      value = `List ${id}`;
      attributes = { Source: 'Smart campaign' };
      break;
    case 104:
      id = 1002;
      value = 'Webinar 2026';
      attributes = { 'New Status': 'Attended', 'Old Status': 'Registered', Success: true };
      break;
    case 12:
      campaignId = null;
      id = null;
      value = null;
      attributes = { 'Source Type': 'Web form fillout' };
      break;
    default:
      id = 2000 + (leadId % 7);
      value = `Email ${leadId % 7} – Ünïcode`;
      attributes = { 'Campaign Run ID': 1 + (leadId % 3), 'Step ID': 1 };
  }
  return {
    marketoGUID: guid,
    leadId,
    activityDate: formatDateTime(at),
    activityTypeId: type.id,
    campaignId,
    primaryAttributeValueId: id,
    primaryAttributeValue: value,
    attributes,
    ...(fields && { fields }),
  };
}

export { DAY };
