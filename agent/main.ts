import { runAgentProcess } from './run';

runAgentProcess();
