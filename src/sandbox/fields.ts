/**
 * The sandbox's lead field catalogue: what describe.json / describe2.json return and what sync
 * validates against. Modelled on a real instance's describe (~100 fields): standard fields with
 * Marketo's ids where known (§11: id 44, firstName 53, lastName 55, email 56, createdAt 130,
 * updatedAt 131, leadPartitionId 479) plus custom fields of every data type.
 */
import type { DataType, FieldDef } from './types.js';

type Flag = 'ro' | 'search' | 'nosoap';

/** [id, REST name, display name, dataType, length?, ...flags] */
type Spec = [number, string, string, DataType, number | null, ...Flag[]];

const SPECS: Spec[] = [
  [2, 'company', 'Company Name', 'string', 255],
  [3, 'site', 'Site', 'string', 255],
  [4, 'billingStreet', 'Billing Address', 'text', null],
  [5, 'billingCity', 'Billing City', 'string', 255],
  [6, 'billingState', 'Billing State', 'string', 255],
  [7, 'billingCountry', 'Billing Country', 'string', 255],
  [8, 'billingPostalCode', 'Billing Postal Code', 'string', 255],
  [9, 'website', 'Website', 'url', 255],
  [10, 'mainPhone', 'Main Phone', 'phone', 255],
  [11, 'annualRevenue', 'Annual Revenue', 'currency', null],
  [12, 'numberOfEmployees', 'Num Employees', 'integer', null],
  [13, 'industry', 'Industry', 'string', 255],
  [14, 'sicCode', 'SIC Code', 'string', 40],
  [15, 'mktoCompanyNotes', 'Marketo Company Notes', 'string', 255],
  [16, 'externalCompanyId', 'External Company Id', 'string', 100],
  [44, 'id', 'Id', 'integer', null, 'ro', 'search'],
  [45, 'mktoName', 'Full Name', 'string', 255, 'ro'],
  [46, 'personType', 'Person Type', 'string', 20, 'ro'],
  [47, 'mktoIsPartner', 'Is Partner', 'boolean', null],
  [48, 'salutation', 'Salutation', 'string', 255],
  [49, 'isLead', 'Is Lead', 'boolean', null, 'ro'],
  [50, 'mktoIsCustomer', 'Is Customer', 'boolean', null],
  [51, 'isAnonymous', 'Is Anonymous', 'boolean', null, 'ro'],
  [52, 'leadPerson', 'Lead Person', 'reference', null, 'ro', 'nosoap'],
  [53, 'firstName', 'First Name', 'string', 255],
  [54, 'middleName', 'Middle Name', 'string', 255],
  [55, 'lastName', 'Last Name', 'string', 255],
  [56, 'email', 'Email Address', 'email', 255, 'search'],
  [57, 'phone', 'Phone Number', 'phone', 255],
  [58, 'mobilePhone', 'Mobile Phone Number', 'phone', 255],
  [59, 'fax', 'Fax Number', 'phone', 255],
  [60, 'title', 'Job Title', 'string', 255],
  [61, 'contactCompany', 'Contact Company', 'reference', null, 'ro'],
  [62, 'dateOfBirth', 'Date of Birth', 'date', null],
  [63, 'address', 'Address', 'text', null],
  [64, 'city', 'City', 'string', 255],
  [65, 'state', 'State', 'string', 255],
  [66, 'country', 'Country', 'string', 255],
  [67, 'postalCode', 'Postal Code', 'string', 255],
  [68, 'originalSourceType', 'Original Source Type', 'string', 255, 'ro'],
  [69, 'originalSourceInfo', 'Original Source Info', 'string', 255, 'ro'],
  [70, 'registrationSourceType', 'Registration Source Type', 'string', 255],
  [71, 'registrationSourceInfo', 'Registration Source Info', 'string', 2000],
  [72, 'originalSearchEngine', 'Original Search Engine', 'string', 255, 'ro'],
  [73, 'originalSearchPhrase', 'Original Search Phrase', 'string', 255, 'ro'],
  [74, 'originalReferrer', 'Original Referrer', 'string', 255, 'ro'],
  [75, 'emailInvalid', 'Email Invalid', 'boolean', null],
  [76, 'emailInvalidCause', 'Email Invalid Cause', 'string', 255],
  [77, 'unsubscribed', 'Unsubscribed', 'boolean', null],
  [78, 'unsubscribedReason', 'Unsubscribed Reason', 'text', null],
  [79, 'doNotCall', 'Do Not Call', 'boolean', null],
  [80, 'doNotCallReason', 'Do Not Call Reason', 'string', 512],
  [81, 'mktoDoNotCallCause', 'Do Not Call Cause', 'string', 255],
  [82, 'marketingSuspended', 'Marketing Suspended', 'boolean', null],
  [83, 'marketingSuspendedReason', 'Marketing Suspended Reason', 'string', 255],
  [84, 'anonymousIP', 'Anonymous IP', 'string', 255],
  [85, 'inferredCompany', 'Inferred Company', 'string', 255, 'ro'],
  [86, 'inferredCountry', 'Inferred Country', 'string', 255, 'ro'],
  [87, 'inferredCity', 'Inferred City', 'string', 255, 'ro'],
  [88, 'inferredStateRegion', 'Inferred State Region', 'string', 255, 'ro'],
  [89, 'inferredPostalCode', 'Inferred Postal Code', 'string', 255, 'ro'],
  [90, 'inferredMetropolitanArea', 'Inferred Metropolitan Area', 'string', 255, 'ro'],
  [91, 'inferredPhoneAreaCode', 'Inferred Phone Area Code', 'string', 255, 'ro'],
  [92, 'emailSuspended', 'Email Suspended', 'boolean', null],
  [93, 'emailSuspendedCause', 'Email Suspended Cause', 'string', 2000],
  [94, 'emailSuspendedAt', 'Email Suspended At', 'datetime', null],
  [95, 'department', 'Department', 'string', 255],
  [96, 'mktoPersonNotes', 'Marketo Person Notes', 'text', null],
  [97, 'gender', 'Gender', 'string', 6],
  [98, 'facebookId', 'Facebook Id', 'string', 255, 'search'],
  [99, 'linkedInId', 'LinkedIn Id', 'string', 255, 'search'],
  [100, 'twitterId', 'Twitter Id', 'string', 255, 'search'],
  [101, 'facebookDisplayName', 'Facebook Display Name', 'string', 255],
  [102, 'linkedInDisplayName', 'LinkedIn Display Name', 'string', 255],
  [103, 'twitterDisplayName', 'Twitter Display Name', 'string', 255],
  [104, 'facebookProfileURL', 'Facebook Profile URL', 'url', 255],
  [105, 'linkedInProfileURL', 'LinkedIn Profile URL', 'url', 255],
  [106, 'twitterProfileURL', 'Twitter Profile URL', 'url', 255],
  [107, 'leadRole', 'Role', 'string', 50],
  [108, 'leadSource', 'Lead Source', 'string', 255],
  [109, 'leadStatus', 'Lead Status', 'string', 255],
  [110, 'leadScore', 'Lead Score', 'integer', null],
  [111, 'urgency', 'Urgency', 'float', null],
  [112, 'priority', 'Priority', 'integer', null],
  [113, 'relativeScore', 'Relative Score', 'integer', null],
  [114, 'relativeUrgency', 'Relative Urgency', 'integer', null],
  [115, 'rating', 'Lead Rating', 'string', 255],
  [116, 'personPrimaryLeadInterest', 'Person Primary Lead Interest', 'reference', null, 'ro'],
  [117, 'leadPartitionIdSyncId', 'Lead Partition Sync Id', 'string', 255, 'ro', 'nosoap'],
  [118, 'personTimeZone', 'Person Time Zone', 'string', 255, 'ro'],
  [119, 'cookies', 'Cookies', 'string', 255, 'search', 'nosoap'],
  [120, 'sfdcAccountId', 'SFDC Account Id', 'string', 18, 'ro', 'search'],
  [121, 'sfdcContactId', 'SFDC Contact Id', 'string', 18, 'ro', 'search'],
  [122, 'sfdcLeadId', 'SFDC Lead Id', 'string', 18, 'ro', 'search'],
  [123, 'sfdcLeadOwnerId', 'SFDC Lead Owner Id', 'string', 18, 'ro', 'search'],
  [124, 'sfdcOpptyId', 'SFDC Oppty Id', 'string', 18, 'ro', 'search'],
  [125, 'sfdcType', 'SFDC Type', 'string', 255, 'ro'],
  [126, 'acquisitionProgramId', 'Acquisition Program Id', 'reference', null, 'ro'],
  [127, 'mktoAcquisitionDate', 'Acquisition Date', 'datetime', null, 'ro'],
  [128, 'acquiredBy', 'Acquired By', 'boolean', null, 'ro'],
  [129, 'ecids', 'ECIDs', 'text', null, 'ro', 'nosoap'],
  [130, 'createdAt', 'Created At', 'datetime', null, 'ro', 'nosoap'],
  [131, 'updatedAt', 'Updated At', 'datetime', null, 'ro', 'nosoap'],
  [479, 'leadPartitionId', 'Lead Partition Id', 'reference', null, 'ro', 'search', 'nosoap'],
  // Custom fields, one (or more) per data type, as a real instance has them.
  [790, 'textarea_field', 'textarea_field', 'text', null],
  [791, 'boolean_field', 'boolean_field', 'boolean', null],
  [792, 'email_field', 'email_field', 'email', 255, 'search'],
  [793, 'integer_field', 'integer_field', 'integer', null, 'search'],
  [794, 'float_field', 'float_field', 'float', null],
  [795, 'datetime_field', 'datetime_field', 'datetime', null],
  [796, 'date_field', 'date_field', 'date', null],
  [797, 'score_field', 'score_field', 'score', null],
  [798, 'percent_field', 'percent_field', 'percent', null],
  [799, 'currency_field', 'currency_field', 'currency', null],
  [800, 'phone_field', 'phone_field', 'phone', 255],
  [801, 'url_field', 'url_field', 'url', 255],
  [802, 'customString__c', 'Custom String', 'string', 255, 'search'],
  [803, 'accountTier__c', 'Account Tier', 'string', 50, 'search'],
  [804, 'formula_field', 'formula_field', 'formula', null, 'ro', 'nosoap'],
];

function toFieldDef([id, name, displayName, dataType, length, ...flags]: Spec): FieldDef {
  const soap = !flags.includes('nosoap');
  return {
    id,
    name,
    displayName,
    dataType,
    ...(length !== null && { length }),
    readOnly: flags.includes('ro'),
    searchable: flags.includes('search'),
    ...(soap && { soapName: name.charAt(0).toUpperCase() + name.slice(1) }),
  };
}

export const FIELDS: readonly FieldDef[] = SPECS.map(toFieldDef);

/** Custom fields have ids from here on (standard fields below). */
export const FIRST_CUSTOM_FIELD_ID = 790;

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
    isCustom: f.id >= FIRST_CUSTOM_FIELD_ID,
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
