#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addNimbusStacks } from '../lib/nimbus-app.ts';

addNimbusStacks(new App());
