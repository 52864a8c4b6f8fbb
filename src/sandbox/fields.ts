/**
 * The sandbox's lead field catalogue: what describe.json / describe2.json return and what sync
 * validates against. The standard fields and the first custom fields are a real instance's
 * describe (`shared/marketo-describe.md`): ids, order, display names, data types, lengths, SOAP names
 * and read-only flags exactly as Marketo answered. The custom fields after them are the sandbox's
 * own, covering the data types that instance lacks (date, phone, url, score, formula).
 */
import type { DataType, FieldDef } from './types.js';

type Flag = 'ro' | 'search';

/**
 * SOAP name: `^` the REST name capitalised, `=` the REST name, empty for none, else the name itself
 * (as in marketo-describe.md).
 */
type Soap = string;

/** [id, REST name, display name, dataType, length?, soap, ...flags] */
type Spec = [number, string, string, DataType, number | null, Soap, ...Flag[]];

/**
 * Searchable (filterType / lookupField): the standard keys of §5.2 that this instance has, and
 * custom string, email and integer fields.
 */
const SPECS: Spec[] = [
  [4, 'company', 'Company Name', 'string', 255, '^'],
  [5, 'site', 'Site', 'string', 255, '^'],
  [6, 'billingStreet', 'Billing Address', 'text', null, '^'],
  [7, 'billingCity', 'Billing City', 'string', 255, '^'],
  [8, 'billingState', 'Billing State', 'string', 255, '^'],
  [9, 'billingCountry', 'Billing Country', 'string', 255, '^'],
  [10, 'billingPostalCode', 'Billing Postal Code', 'string', 255, '^'],
  [11, 'website', 'Website', 'url', 255, '^'],
  [12, 'mainPhone', 'Main Phone', 'string', 255, '^'],
  [15, 'annualRevenue', 'Annual Revenue', 'currency', null, '^'],
  [16, 'numberOfEmployees', 'Num Employees', 'integer', null, '^'],
  [17, 'industry', 'Industry', 'string', 255, '^'],
  [18, 'sicCode', 'SIC Code', 'string', 40, 'SICCode'],
  [20, 'mktoCompanyNotes', 'Company Notes', 'text', null, '^'],
  [41, 'externalCompanyId', 'External Company Id', 'string', 50, ''],
  [44, 'id', 'Id', 'integer', null, '^', 'search'],
  [45, 'mktoName', 'Full Name', 'string', 255, '', 'ro'],
  [46, 'personType', 'Person Type', 'string', 50, '^'],
  [48, 'mktoIsPartner', 'Is Partner', 'boolean', null, ''],
  [49, 'isLead', 'Is Lead', 'boolean', null, '^'],
  [50, 'mktoIsCustomer', 'Is Customer', 'boolean', null, ''],
  [51, 'isAnonymous', 'Is Anonymous', 'boolean', null, ''],
  [52, 'salutation', 'Salutation', 'string', 255, '^'],
  [53, 'firstName', 'First Name', 'string', 255, '^'],
  [54, 'middleName', 'Middle Name', 'string', 255, '^'],
  [55, 'lastName', 'Last Name', 'string', 255, '^'],
  [56, 'email', 'Email Address', 'email', 255, '^', 'search'],
  [57, 'phone', 'Phone Number', 'phone', 255, '^'],
  [58, 'mobilePhone', 'Mobile Phone Number', 'phone', 255, '^'],
  [59, 'fax', 'Fax Number', 'phone', 255, '^'],
  [60, 'title', 'Job Title', 'string', 255, '^'],
  [61, 'contactCompany', 'Contact Company', 'reference', null, 'Contact Company', 'ro'],
  [62, 'dateOfBirth', 'Date of Birth', 'date', null, 'DateofBirth'],
  [63, 'address', 'Address', 'text', null, '^'],
  [64, 'city', 'City', 'string', 255, '^'],
  [65, 'state', 'State', 'string', 255, '^'],
  [66, 'country', 'Country', 'string', 255, '^'],
  [67, 'postalCode', 'Postal Code', 'string', 255, '^'],
  [68, 'personTimeZone', 'Person Time Zone', 'string', 255, '', 'ro'],
  [70, 'originalSourceType', 'Original Source Type', 'string', 255, '^', 'ro'],
  [71, 'originalSourceInfo', 'Original Source Info', 'string', 2000, '^', 'ro'],
  [72, 'registrationSourceType', 'Registration Source Type', 'string', 255, '^'],
  [73, 'registrationSourceInfo', 'Registration Source Info', 'string', 2000, '^'],
  [74, 'originalSearchEngine', 'Original Search Engine', 'string', 255, '^', 'ro'],
  [75, 'originalSearchPhrase', 'Original Search Phrase', 'string', 255, '^', 'ro'],
  [76, 'originalReferrer', 'Original Referrer', 'url', 255, '^', 'ro'],
  [77, 'emailInvalid', 'Email Invalid', 'boolean', null, '^'],
  [78, 'emailInvalidCause', 'Email Invalid Cause', 'string', 255, '^'],
  [79, 'unsubscribed', 'Unsubscribed', 'boolean', null, '^'],
  [81, 'unsubscribedReason', 'Unsubscribed Reason', 'string', 2000, '^'],
  [82, 'doNotCall', 'Do Not Call', 'boolean', null, '^'],
  [83, 'mktoDoNotCallCause', 'Do Not Call Cause', 'string', 255, ''],
  [84, 'doNotCallReason', 'Do Not Call Reason', 'string', 2000, '^'],
  [85, 'marketingSuspended', 'Marketing Suspended', 'boolean', null, ''],
  [86, 'marketingSuspendedCause', 'Marketing Suspended Cause', 'string', 255, ''],
  [87, 'blackListed', 'Black Listed', 'boolean', null, ''],
  [88, 'blackListedCause', 'Black Listed Cause', 'string', 255, ''],
  [89, 'mktoPersonNotes', 'Person Notes', 'text', null, '^'],
  [103, 'anonymousIP', 'Anonymous IP', 'string', 255, '^'],
  [104, 'inferredCompany', 'Inferred Company', 'string', 255, '^', 'ro'],
  [105, 'inferredCountry', 'Inferred Country', 'string', 255, '^', 'ro'],
  [106, 'inferredCity', 'Inferred City', 'string', 255, '', 'ro'],
  [107, 'inferredStateRegion', 'Inferred State Region', 'string', 255, '', 'ro'],
  [108, 'inferredPostalCode', 'Inferred Postal Code', 'string', 255, '', 'ro'],
  [109, 'inferredMetropolitanArea', 'Inferred Metropolitan Area', 'string', 255, '', 'ro'],
  [110, 'inferredPhoneAreaCode', 'Inferred Phone Area Code', 'string', 255, '', 'ro'],
  [123, 'emailSuspended', 'Email Suspended', 'boolean', null, ''],
  [124, 'emailSuspendedCause', 'Email Suspended Cause', 'string', 255, ''],
  [125, 'emailSuspendedAt', 'Email Suspended At', 'datetime', null, ''],
  [126, 'department', 'Department', 'string', 255, '^'],
  [130, 'createdAt', 'Created At', 'datetime', null, '', 'ro'],
  [131, 'updatedAt', 'Updated At', 'datetime', null, '', 'ro'],
  [136, 'cookies', 'Cookies', 'string', 255, '', 'search'],
  [137, 'externalSalesPersonId', 'External Sales Person Id', 'string', 50, ''],
  [141, 'leadPerson', 'Lead Person', 'reference', null, 'Lead Person', 'ro'],
  [143, 'leadRole', 'Role', 'string', 50, '^'],
  [144, 'leadSource', 'Lead Source', 'string', 255, '^'],
  [145, 'leadStatus', 'Lead Status', 'string', 255, '^'],
  [146, 'leadScore', 'Lead Score', 'integer', null, '^'],
  [147, 'urgency', 'Urgency', 'float', null, ''],
  [148, 'priority', 'Priority', 'integer', null, ''],
  [149, 'relativeScore', 'Relative Score', 'integer', null, ''],
  [150, 'relativeUrgency', 'Relative Urgency', 'integer', null, ''],
  [160, 'rating', 'Lead Rating', 'string', 255, '^'],
  [
    181,
    'personPrimaryLeadInterest',
    'Primary Lead Interest',
    'reference',
    null,
    'Person Primary Lead Interest',
    'ro',
  ],
  [479, 'leadPartitionId', 'Lead Partition Id', 'reference', null, 'Lead Partition ID', 'search'],
  [
    485,
    'leadRevenueCycleModelId',
    'Lead Revenue Cycle Model ID',
    'reference',
    null,
    'Lead Revenue Cycle Model ID',
  ],
  [487, 'leadRevenueStageId', 'Lead Revenue Stage ID', 'reference', null, 'Lead Revenue Stage ID'],
  [625, 'acquisitionProgramId', 'Acquisition Program', 'reference', null, 'Acquisition Program ID'],
  [627, 'mktoAcquisitionDate', 'Acquisition Date', 'datetime', null, ''],
  [830, 'ecids', 'ECIDs', 'string', 255, '', 'ro'],
  // The real instance's custom fields.
  [795, 'textarea_field', 'textarea_field', 'text', null, '='],
  [796, 'boolean_field', 'boolean_field', 'boolean', null, '='],
  [797, 'email_field', 'email_field', 'email', 255, '=', 'search'],
  [798, 'integer_field', 'integer_field', 'integer', null, '=', 'search'],
  [799, 'float_field', 'float_field', 'float', null, '='],
  [800, 'datetime_field', 'datetime_field', 'datetime', null, '='],
  [801, 'score_field', 'score_field', 'integer', null, '=', 'search'],
  [802, 'percent_field', 'percent_field', 'percent', null, '='],
  [827, 'currency_field', 'currency_field', 'currency', null, '='],
  // The sandbox's own custom fields (types the real instance lacks, and string keys).
  [831, 'date_field', 'date_field', 'date', null, '='],
  [832, 'phone_field', 'phone_field', 'phone', 255, '='],
  [833, 'url_field', 'url_field', 'url', 255, '='],
  [834, 'customString__c', 'Custom String', 'string', 255, '=', 'search'],
  [835, 'accountTier__c', 'Account Tier', 'string', 50, '=', 'search'],
  [836, 'rating_score__c', 'Rating Score', 'score', null, '='],
  [837, 'formula_field', 'formula_field', 'formula', null, '', 'ro'],
];

function soapName(name: string, soap: Soap): string | undefined {
  if (soap === '') return undefined;
  if (soap === '^') return name.charAt(0).toUpperCase() + name.slice(1);
  return soap === '=' ? name : soap;
}

function toFieldDef([id, name, displayName, dataType, length, soap, ...flags]: Spec): FieldDef {
  const soapAs = soapName(name, soap);
  return {
    id,
    name,
    displayName,
    dataType,
    ...(length !== null && { length }),
    readOnly: flags.includes('ro'),
    searchable: flags.includes('search'),
    ...(soapAs !== undefined && { soapName: soapAs }),
  };
}

/** In id order, as Marketo answers describe. */
export const FIELDS: readonly FieldDef[] = SPECS.map(toFieldDef).sort((a, b) => a.id - b.id);

/** Custom fields have ids from here on; `ecids` (830) is the one standard field above it. */
const FIRST_CUSTOM_FIELD_ID = 795;

function isCustomField(f: FieldDef): boolean {
  return f.id >= FIRST_CUSTOM_FIELD_ID && f.name !== 'ecids';
}

const BY_NAME = new Map(FIELDS.map((f) => [f.name, f]));

export function fieldByName(name: string): FieldDef | undefined {
  return BY_NAME.get(name);
}

/** Default fields of Lead DB reads, in the key order real responses use (§5). */
export const DEFAULT_LEAD_FIELDS = [
  'id',
  'firstName',
  'lastName',
  'email',
  'updatedAt',
  'createdAt',
] as const;

/** describe.json's element for one field. */
export function describeField(f: FieldDef): Record<string, unknown> {
  return {
    id: f.id,
    displayName: f.displayName,
    dataType: f.dataType,
    ...(f.length !== undefined && { length: f.length }),
    rest: { name: f.name, readOnly: f.readOnly },
    ...(f.soapName !== undefined && { soap: { name: f.soapName, readOnly: f.readOnly } }),
  };
}

/** Schema API (`/leads/schema/fields.json`) element for one field. */
export function schemaField(f: FieldDef): Record<string, unknown> {
  return {
    displayName: f.displayName,
    name: f.name,
    description: null,
    dataType: f.dataType,
    ...(f.length !== undefined && { length: f.length }),
    isHidden: false,
    isHtmlEncodingInEmail: f.dataType !== 'text',
    isSensitive: false,
    isCustom: isCustomField(f),
  };
}

/** describe2.json's single result element. */
export function describeLeadObject(fields: readonly FieldDef[]): Record<string, unknown> {
  return {
    name: 'API Lead',
    searchableFields: fields.filter((f) => f.searchable).map((f) => [f.name]),
    fields: fields.map((f) => ({
      name: f.name,
      displayName: f.displayName,
      dataType: f.dataType,
      ...(f.length !== undefined && { length: f.length }),
      updateable: !f.readOnly,
      crmManaged: f.name.startsWith('sfdc'),
    })),
  };
}
