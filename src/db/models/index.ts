// Models are registered per connection (never on the global mongoose), so each test or worker can
// point at its own database. getModels() is cheap to call repeatedly: the result is cached.
import type { Connection } from 'mongoose';
import { registerContactModel, type ContactModel } from './contact';
import { registerInvitationModel, type InvitationModel } from './invitation';
import { registerDeliveryClaimModel, type DeliveryClaimModel } from './delivery-claim';
import { registerRunReportModel, type RunReportModel } from './run-report';
import { registerTaskModel, type TaskModel } from './task';
import { registerUserModel, type UserModel } from './user';
import { registerImportModel, type ImportModel } from './import';
import { registerHttpJobModel, type HttpJobModel } from './http-job';
import { registerApiTokenModel, type ApiTokenModel } from './api-token';

export * from './contact';
export * from './invitation';
export * from './user';
export * from './run-report';
export * from './delivery-claim';
export * from './task';
export * from './import';
export * from './http-job';
export * from './api-token';

export interface Models {
  User: UserModel;
  Contact: ContactModel;
  Invitation: InvitationModel;
  RunReport: RunReportModel;
  DeliveryClaim: DeliveryClaimModel;
  Task: TaskModel;
  Import: ImportModel;
  HttpJob: HttpJobModel;
  ApiToken: ApiTokenModel;
}

const modelsByConnection = new WeakMap<Connection, Models>();

export function getModels(conn: Connection): Models {
  let models = modelsByConnection.get(conn);
  if (!models) {
    models = {
      User: registerUserModel(conn),
      Contact: registerContactModel(conn),
      Invitation: registerInvitationModel(conn),
      RunReport: registerRunReportModel(conn),
      DeliveryClaim: registerDeliveryClaimModel(conn),
      Task: registerTaskModel(conn),
      Import: registerImportModel(conn),
      HttpJob: registerHttpJobModel(conn),
      ApiToken: registerApiTokenModel(conn),
    };
    modelsByConnection.set(conn, models);
  }
  return models;
}
