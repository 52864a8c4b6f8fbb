/**
 * Loads every type module and builds the schema. No side effects beyond building (codegen and
 * tests import this file without a server).
 */
import { builder } from './builder.js';
import './errors.js';
import './reason.js';
import './lead.js';
import './field.js';
import './list.js';
import './campaign.js';
import './lead-upsert.js';
import './import-job.js';
import './export-job.js';
import './lead-row.js';
import './marketo-status.js';
import './feeds.js';
import './activity.js';

export const schema = builder.toSchema();
